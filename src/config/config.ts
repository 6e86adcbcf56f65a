/**
 * The one place that reads process.env. Every setting has a flag (for the CLI), an
 * environment variable and a default; flags win over the environment.
 */
export interface AttuneConfig {
  readonly host: string;
  readonly port: number;
  /** Folder holding the SQLite file (attune.db). */
  readonly dataDir: string;
  readonly synchronous: 'full' | 'normal';
  /** Events queued for commit beyond which collection answers 429. */
  readonly maxPendingEvents: number;
  /** Bearer token for the server-wide admin endpoints (creating workspaces); unset disables them. */
  readonly adminToken: string | null;
  readonly logLevel: string;
  /** Origins allowed to call the collection API from a browser; `*` allows any. */
  readonly corsOrigins: readonly string[] | '*';
  /** Seconds between sweeps that re-evaluate time-dependent segments for every profile; 0 turns them off. */
  readonly segmentSweepSeconds: number;
}

export const configVariables = {
  host: 'ATTUNE_HOST',
  port: 'ATTUNE_PORT',
  dataDir: 'ATTUNE_DATA',
  synchronous: 'ATTUNE_SYNC',
  maxPendingEvents: 'ATTUNE_MAX_PENDING_EVENTS',
  adminToken: 'ATTUNE_ADMIN_TOKEN',
  logLevel: 'ATTUNE_LOG_LEVEL',
  corsOrigins: 'ATTUNE_CORS_ORIGINS',
  segmentSweepSeconds: 'ATTUNE_SEGMENT_SWEEP_SECONDS',
} as const satisfies Record<keyof AttuneConfig, string>;

export const defaultConfig: AttuneConfig = {
  host: '127.0.0.1',
  port: 4700,
  dataDir: './attune-data',
  synchronous: 'full',
  maxPendingEvents: 100_000,
  adminToken: null,
  logLevel: 'info',
  corsOrigins: '*',
  segmentSweepSeconds: 300,
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function integer(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not "${value}"`);
  return n;
}

function fromStrings(values: Partial<Record<keyof AttuneConfig, string>>, source: (key: keyof AttuneConfig) => string): Partial<AttuneConfig> {
  const out: { -readonly [K in keyof AttuneConfig]?: AttuneConfig[K] } = {};
  if (values.host !== undefined) out.host = values.host;
  if (values.port !== undefined) out.port = integer(source('port'), values.port, 0, 65535);
  if (values.dataDir !== undefined) out.dataDir = values.dataDir;
  if (values.synchronous !== undefined) {
    if (values.synchronous !== 'full' && values.synchronous !== 'normal') throw new ConfigError(`${source('synchronous')} must be "full" or "normal"`);
    out.synchronous = values.synchronous;
  }
  if (values.maxPendingEvents !== undefined) out.maxPendingEvents = integer(source('maxPendingEvents'), values.maxPendingEvents, 1, 10_000_000);
  if (values.adminToken !== undefined) out.adminToken = values.adminToken === '' ? null : values.adminToken;
  if (values.logLevel !== undefined) out.logLevel = values.logLevel;
  if (values.segmentSweepSeconds !== undefined) out.segmentSweepSeconds = integer(source('segmentSweepSeconds'), values.segmentSweepSeconds, 0, 86_400);
  if (values.corsOrigins !== undefined) out.corsOrigins = values.corsOrigins === '*' ? '*' : values.corsOrigins.split(',').map((s) => s.trim()).filter(Boolean);
  return out;
}

/** Reads the environment (process.env unless given) and applies CLI flags over it. */
export function loadConfig(flags: Partial<Record<keyof AttuneConfig, string>> = {}, env: NodeJS.ProcessEnv = process.env): AttuneConfig {
  const fromEnv: Partial<Record<keyof AttuneConfig, string>> = {};
  for (const [key, variable] of Object.entries(configVariables) as [keyof AttuneConfig, string][]) {
    const value = env[variable];
    if (value !== undefined) fromEnv[key] = value;
  }
  // Flags win over the environment before anything is parsed: a flag replaces a bad variable.
  const merged = { ...fromEnv, ...flags };
  return { ...defaultConfig, ...fromStrings(merged, (key) => (flags[key] !== undefined ? `--${key}` : configVariables[key])) };
}
