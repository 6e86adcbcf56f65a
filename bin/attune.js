#!/usr/bin/env node
// The attune command. It runs the compiled code in dist/ (built by `npm ci` through the
// prepare script, or by `npm run build`).
import { main } from '../dist/cli/main.js';

await main(process.argv);
