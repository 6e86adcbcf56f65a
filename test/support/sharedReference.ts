import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file of the shared reference folder (published values that numbers users trust are
 * tested against): `$ATTUNE_SHARED_DIR/reference/<name>`, by default `../shared` next to the
 * repository. Tests that need it skip, saying why, when it is absent; they never download it.
 */
export interface SharedReference<T> {
  readonly path: string;
  /** The parsed file, or null when it is absent. */
  readonly data: T | null;
  /** Why a test skips, when the file is absent. */
  readonly skipReason: string;
}

export function sharedReference<T>(name: string): SharedReference<T> {
  const dir = process.env['ATTUNE_SHARED_DIR'] ?? fileURLToPath(new URL('../../../shared', import.meta.url));
  const path = join(dir, 'reference', name);
  const data = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;
  return { path, data, skipReason: `skipped: ${path} not found (check out the shared folder next to the repository, or set ATTUNE_SHARED_DIR)` };
}

/** A file of the shared data folder (`$ATTUNE_SHARED_DIR/data/<name>`): its path, or null with why a test skips. */
export function sharedDataFile(name: string): { readonly path: string | null; readonly skipReason: string } {
  const dir = process.env['ATTUNE_SHARED_DIR'] ?? fileURLToPath(new URL('../../../shared', import.meta.url));
  const path = join(dir, 'data', name);
  return { path: existsSync(path) ? path : null, skipReason: `skipped: ${path} not found (check out the shared folder next to the repository, or set ATTUNE_SHARED_DIR)` };
}
