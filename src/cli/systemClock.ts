import { randomUUID } from 'node:crypto';
import type { Clock, IdGenerator } from '../core/common/ports.js';

/** The real clock and id source, handed to the core by the shell. */
export const systemClock: Clock = { now: () => Date.now() };
export const uuidIds: IdGenerator = { next: () => randomUUID() };
