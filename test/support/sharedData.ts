import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A public dataset of the shared folder (`$ATTUNE_SHARED_DIR/data/<name>`, by default
 * `../shared` next to the repository; its README gives sources and protocols). Tests that
 * need it skip, saying why, when it is absent; they never download it.
 */
export interface SharedData {
  /** The path, or null when it is absent. */
  readonly path: string | null;
  readonly skipReason: string;
}

export function sharedData(name: string): SharedData {
  const dir = process.env['ATTUNE_SHARED_DIR'] ?? fileURLToPath(new URL('../../../shared', import.meta.url));
  const path = join(dir, 'data', name);
  return {
    path: existsSync(path) ? path : null,
    skipReason: `skipped: ${path} not found (check out the shared folder next to the repository, or set ATTUNE_SHARED_DIR)`,
  };
}
