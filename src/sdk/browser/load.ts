import { AttuneBrowser, type AttuneOptions } from './AttuneBrowser.js';
import { browserEnvironment } from './BrowserEnvironment.js';

/**
 * Starts Attune in this page: `Attune.load({ writeKey, host })` from the script-tag build,
 * `load(...)` from the ESM build. Events left queued by an earlier page go out with the first
 * request.
 */
export function load(options: AttuneOptions): AttuneBrowser {
  return new AttuneBrowser(options, browserEnvironment());
}
