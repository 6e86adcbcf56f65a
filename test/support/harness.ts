import type { PersonalizerSettings } from '../../src/learn/PersonalizerService.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, IdGenerator } from '../../src/core/common/ports.js';
import type { Random } from '../../src/core/common/random.js';
import { buildServer, type AttuneServer } from '../../src/server/buildServer.js';
import { openStore, type EmbeddedStore } from '../../src/engine/openStore.js';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import type { CreatedWorkspace } from '../../src/workspaces/WorkspaceService.js';

export interface Harness extends AttuneServer {
  readonly store: EmbeddedStore;
  /** Two workspaces, so every test can check isolation. */
  readonly a: CreatedWorkspace;
  readonly b: CreatedWorkspace;
  readonly dataDir: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly adminToken?: string | null;
  readonly maxPendingEvents?: number;
  /**
   * The workspaces' holdout share. Default 0 here (Attune's default is 5%): a test that
   * expects a decision for a given user must not depend on whether its hash falls in the holdout.
   */
  readonly holdoutShare?: number;
  /**
   * Identity verification of the two workspaces. Default off here (Attune's default for a
   * new workspace is on): tests that are not about identity send user ids with the write key
   * unsigned, as workspaces stored before verification existed do.
   */
  readonly identityVerification?: boolean;
  /** Where the server's log lines go (at level info); none: no logs. */
  readonly logStream?: NodeJS.WritableStream;
  /**
   * The ids of workspaces a and b. Default fixed ids: profile ids, the holdout and every
   * experiment's arms are hashes of the workspace id, so a random one made tests that count
   * held-out or assigned users pass or fail by the draw.
   */
  readonly workspaceIds?: readonly [string, string];
  /** The server's random generator (decisions, bandits). Default: seeded from the clock and pid. */
  readonly random?: Random;
  /** The Personalizer-compatible loop's settings (e.g. how long rank events wait to be written). */
  readonly personalizer?: Partial<PersonalizerSettings>;
  /** Where the store commits appends and state writes (`openSqliteStore`'s `writer`). Default `inline`. */
  readonly writer?: 'worker' | 'inline';
  /** Whether the session cookie is Secure (`__Host-` prefixed); default true, as in production. */
  readonly secureCookies?: boolean;
  /** The built studio to serve at /studio (scripts/buildStudio.ts); default none (404). */
  readonly studioDir?: string;
}

/** The harness's workspace ids unless a test names others. */
export const HARNESS_WORKSPACE_IDS = ['ws_test_a', 'ws_test_b'] as const;

/** A server on a fresh SQLite file in a temporary folder, with two workspaces. Use app.inject(). */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'attune-test-'));
  const store = openStore({ path: join(dataDir, 'attune.db'), synchronous: 'normal', writer: options.writer ?? 'inline', maxPendingEvents: options.maxPendingEvents ?? 100_000 });
  const server = await buildServer({
    store,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? uuidIds,
    adminToken: options.adminToken ?? null,
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.personalizer === undefined ? {} : { personalizer: options.personalizer }),
    logger: options.logStream === undefined ? false : { level: 'info', stream: options.logStream },
    // Passwords at scrypt's cheapest sensible cost: tests sign in often; the cost is a parameter, not the point.
    access: { scrypt: { N: 1024, r: 8, p: 1 } },
    secureCookies: options.secureCookies ?? true,
    ...(options.studioDir === undefined ? {} : { studioDir: options.studioDir }),
  });
  const identity = { verification: options.identityVerification ?? false };
  const [idA, idB] = options.workspaceIds ?? HARNESS_WORKSPACE_IDS;
  const a = await server.workspaces.create('workspace A', identity, idA);
  const b = await server.workspaces.create('workspace B', identity, idB);
  for (const w of [a, b]) await store.experiments.setMeasurement(w.id, { holdoutShare: options.holdoutShare ?? 0 });
  return {
    ...server,
    store,
    a,
    b,
    dataDir,
    async close() {
      await server.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The Authorization header Segment's libraries send: Basic with the write key as user name. */
export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

export function bearer(key: string): string {
  return `Bearer ${key}`;
}
