import type Database from 'better-sqlite3';
import type { KnowledgeState } from '../../src/core/knowledge/KnowledgeState.js';
import { knowledgeCodec } from '../../src/store/sqlite/knowledgeCodec.js';

/** Every stored knowledge document of the file, decoded as the store reads it (part of it is deflated, so SQL cannot look inside). */
export function storedKnowledge(db: Database.Database): KnowledgeState[] {
  const rows = db.prepare('SELECT state, packed FROM profile_knowledge').all() as { state: string; packed: Buffer | null }[];
  return rows.map((r) => knowledgeCodec.decode(r.state, r.packed));
}
