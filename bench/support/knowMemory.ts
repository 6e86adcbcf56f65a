/**
 * Child process of the `know` benchmark: hot state per profile. Builds N profiles (100,000
 * by default) by applying a realistic history of 20 to 60 events over 90 days to each with
 * the pure core (applyEventKnowledge, as collection does), and reports
 * - the serialized knowledge state (the JSON stored in `profile_knowledge.state`): the figure compared with
 *   the 2 KB goal, since that is what is kept and loaded per profile;
 * - the V8 heap growth per profile while every state is held in memory (as built, and as
 *   parsed back from its JSON, which is what a cache loaded from the store would hold);
 * - the SQLite bytes per profile once the rows (knowledge, traits, counts) are written to a
 *   fresh database with Attune's schema: the file's growth over an empty one, and the pages
 *   of the profiles and profile_knowledge tables.
 *
 *   node --import tsx --expose-gc bench/support/knowMemory.ts [profiles=100000]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileKnowledgeModel } from '../../src/core/knowledge/KnowledgeModel.js';
import type { KnowledgeState } from '../../src/core/knowledge/KnowledgeState.js';
import { knowledgeCodec } from '../../src/store/sqlite/knowledgeCodec.js';
import { openDatabase } from '../../src/store/sqlite/openDatabase.js';
import { childMain, collectGarbage } from './knowChild.js';
import { buildProfile, profileHistory } from './knowHistory.js';
import { knowFeatures, knowSegments } from './knowWorkspace.js';
import { seededRandom } from './random.js';

export interface Distribution {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface MemoryFigures {
  readonly profiles: number;
  readonly eventsPerProfile: Distribution;
  readonly serializedBytes: Distribution;
  /** Mean bytes of each part of the state: features, session, consent, memberships. */
  readonly serializedParts: { readonly features: number; readonly session: number; readonly consent: number; readonly memberships: number };
  readonly meanMemberships: number;
  readonly heapBytesPerProfile: { readonly asBuilt: number; readonly parsedFromJson: number };
  readonly sqlite: {
    readonly fileBytesPerProfile: number;
    readonly profilesTableBytesPerProfile: number | null;
    readonly rowBytesPerProfile: number;
    readonly emptyFileBytes: number;
    readonly fileBytes: number;
  };
  readonly buildSeconds: number;
  /** Rows of `profiles` and of `profile_knowledge` in the file at the end: each equals `profiles` when every row was written. */
  readonly storedRows: { readonly profiles: number; readonly knowledge: number };
}

function distribution(values: Float64Array | readonly number[]): Distribution {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { mean: sum / sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

export function measureMemory(count: number): MemoryFigures {
  const model = compileKnowledgeModel({ features: knowFeatures, segments: knowSegments });
  const end = Date.parse('2026-03-02T09:00:00.000Z');
  const random = seededRandom(20260302);
  const dir = mkdtempSync(join(tmpdir(), 'attune-bench-know-mem-'));
  const file = join(dir, 'profiles.db');
  const db = openDatabase({ path: file, synchronous: 'normal' });
  try {
    const workspaceId = 'ws_0123456789abcdef0123';
    db.prepare('INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)').run(workspaceId, 'bench', end);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const emptyFileBytes = statSync(file).size;
    const insert = db.prepare(
      'INSERT INTO profiles (workspace_id, id, created_at, first_seen, last_seen, traits, trait_times, event_counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // In the form the state store writes (store/sqlite/knowledgeCodec.ts).
    const insertKnowledge = db.prepare('INSERT INTO profile_knowledge (workspace_id, profile_id, state, packed) VALUES (?, ?, ?, ?)');
    const insertMany = db.transaction((rows: readonly (readonly [string, number, number, string, string, string, string])[]) => {
      for (const [id, first, last, traits, times, counts, knowledge] of rows) {
        insert.run(workspaceId, id, first, first, last, traits, times, counts);
        const stored = knowledgeCodec.encode(JSON.parse(knowledge) as KnowledgeState);
        insertKnowledge.run(workspaceId, id, stored.state, stored.packed);
      }
    });

    const states: KnowledgeState[] = new Array<KnowledgeState>(count);
    const sizes = new Float64Array(count);
    const eventCounts = new Float64Array(count);
    const parts = { features: 0, session: 0, consent: 0, memberships: 0 };
    let memberships = 0;
    let rowBytes = 0;
    const baseline = heapUsed();
    const started = performance.now();
    let pending: [string, number, number, string, string, string, string][] = [];
    for (let i = 0; i < count; i++) {
      const history = profileHistory(random, i, end);
      const profile = buildProfile(model, history);
      const json = JSON.stringify(profile.knowledge);
      states[i] = profile.knowledge;
      sizes[i] = bytes(json);
      eventCounts[i] = history.events.length;
      parts.features += bytes(JSON.stringify(profile.knowledge.f));
      parts.session += bytes(JSON.stringify(profile.knowledge.s));
      parts.consent += bytes(JSON.stringify(profile.knowledge.c));
      parts.memberships += bytes(JSON.stringify(profile.knowledge.m));
      memberships += Object.keys(profile.knowledge.m).length;
      const row: [string, number, number, string, string, string, string] = [
        profile.id, profile.firstSeen, profile.lastSeen, JSON.stringify(profile.traits.values), JSON.stringify(profile.traits.updatedAt), JSON.stringify(profile.eventCounts), json,
      ];
      rowBytes += profile.id.length + 8 * 3 + bytes(row[3]) + bytes(row[4]) + bytes(row[5]) + sizes[i]!;
      pending.push(row);
      if (pending.length === 1000) {
        insertMany(pending);
        pending = [];
      }
      if ((i + 1) % 20_000 === 0) process.stderr.write(`  know/memory: ${(i + 1).toString()} profiles built\n`);
    }
    insertMany(pending);
    pending = [];
    const buildSeconds = (performance.now() - started) / 1000;
    const asBuilt = heapUsed();
    // As a cache filled from the store would hold them: parsed from the stored JSON.
    for (let i = 0; i < count; i++) states[i] = JSON.parse(JSON.stringify(states[i])) as KnowledgeState;
    const parsed = heapUsed();
    if (states.length !== count) throw new Error('states were dropped');

    db.pragma('wal_checkpoint(TRUNCATE)');
    const fileBytes = statSync(file).size;
    const rows = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    const storedRows = { profiles: rows('profiles'), knowledge: rows('profile_knowledge') };
    let profilesTable: number | null = null;
    try {
      profilesTable = db.prepare("SELECT sum(pgsize) FROM dbstat WHERE name = 'profiles'").pluck().get() as number;
    } catch {
      profilesTable = null; // SQLite built without the dbstat table
    }
    return {
      profiles: count,
      eventsPerProfile: distribution(eventCounts),
      serializedBytes: distribution(sizes),
      serializedParts: { features: parts.features / count, session: parts.session / count, consent: parts.consent / count, memberships: parts.memberships / count },
      meanMemberships: memberships / count,
      heapBytesPerProfile: { asBuilt: (asBuilt - baseline) / count, parsedFromJson: (parsed - baseline) / count },
      sqlite: {
        fileBytesPerProfile: (fileBytes - emptyFileBytes) / count,
        profilesTableBytesPerProfile: profilesTable === null ? null : profilesTable / count,
        rowBytesPerProfile: rowBytes / count,
        emptyFileBytes,
        fileBytes,
      },
      buildSeconds,
      storedRows,
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('knowMemory.ts') === true) {
  const count = Number(process.argv[2] ?? 100_000);
  childMain(() => measureMemory(count));
}
