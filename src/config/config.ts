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
  /** Where the log appends and the state writes commit: a storage thread (`worker`) or the main thread (`inline`). */
  readonly storageThread: 'worker' | 'inline';
  /** Events queued for commit beyond which collection answers 429. */
  readonly maxPendingEvents: number;
  /** Heap the profiles held in memory may take (estimated), in MB; colder profiles are evicted beyond it. */
  readonly profileCacheMegabytes: number;
  /** Cached profiles kept decoded (those used last); the other idle ones are held packed and decoded on their next use. Null: all decoded. */
  readonly hotProfiles: number | null;
  /** Hours of arrivals over which a repeated messageId is recognised (at least Segment's 24). */
  readonly dedupeHours: number;
  /** Seconds between writes of the changed profile state behind the log (the recovery replays at most about this much). */
  readonly stateWriteSeconds: number;
  /** Bearer token for the server-wide admin endpoints (creating workspaces); unset disables them. */
  readonly adminToken: string | null;
  readonly logLevel: string;
  /** Origins allowed to call the collection API from a browser; `*` allows any. */
  readonly corsOrigins: readonly string[] | '*';
  /** Origins allowed to call the admin API from a browser; none by default (never `*`). */
  readonly adminCorsOrigins: readonly string[];
  /** Seconds between sweeps that re-evaluate time-dependent segments for every profile; 0 turns them off. */
  readonly segmentSweepSeconds: number;
  /** Hours between retrainings of the workspaces' prediction models (those trained once); 0 turns them off. */
  readonly predictionTrainHours: number;
  /** Hours between retention purges of every workspace by `attune serve`; 0 turns them off. */
  readonly retentionPurgeHours: number;
  /** Share of decisions recorded (audit, data-subject export, off-policy evaluation), from 0 to 1. */
  readonly decisionSampleRate: number;
  /** Whether `attune serve` provisions and serves the example shop at /examples/shop. */
  readonly examples: boolean;
  /** log2 of scrypt's N for passwords (17: OWASP's 2^17); lower only for tests or small machines. */
  readonly passwordCost: number;
  /** Hours a browser session lasts from sign-in. */
  readonly sessionHours: number;
  /** Whether the session cookie is Secure (on); off only for plain-http localhost. */
  readonly secureCookies: boolean;
}

export const configVariables = {
  host: 'ATTUNE_HOST',
  port: 'ATTUNE_PORT',
  dataDir: 'ATTUNE_DATA',
  synchronous: 'ATTUNE_SYNC',
  storageThread: 'ATTUNE_STORAGE_THREAD',
  maxPendingEvents: 'ATTUNE_MAX_PENDING_EVENTS',
  profileCacheMegabytes: 'ATTUNE_PROFILE_CACHE_MB',
  hotProfiles: 'ATTUNE_HOT_PROFILES',
  dedupeHours: 'ATTUNE_DEDUPE_HOURS',
  stateWriteSeconds: 'ATTUNE_STATE_WRITE_SECONDS',
  adminToken: 'ATTUNE_ADMIN_TOKEN',
  logLevel: 'ATTUNE_LOG_LEVEL',
  corsOrigins: 'ATTUNE_CORS_ORIGINS',
  adminCorsOrigins: 'ATTUNE_ADMIN_CORS_ORIGINS',
  segmentSweepSeconds: 'ATTUNE_SEGMENT_SWEEP_SECONDS',
  predictionTrainHours: 'ATTUNE_PREDICTION_TRAIN_HOURS',
  retentionPurgeHours: 'ATTUNE_RETENTION_PURGE_HOURS',
  decisionSampleRate: 'ATTUNE_DECISION_SAMPLE_RATE',
  examples: 'ATTUNE_EXAMPLES',
  passwordCost: 'ATTUNE_PASSWORD_COST',
  sessionHours: 'ATTUNE_SESSION_HOURS',
  secureCookies: 'ATTUNE_SECURE_COOKIES',
} as const satisfies Record<keyof AttuneConfig, string>;

export const defaultConfig: AttuneConfig = {
  host: '127.0.0.1',
  port: 4700,
  dataDir: './attune-data',
  synchronous: 'full',
  storageThread: 'inline',
  maxPendingEvents: 100_000,
  profileCacheMegabytes: 512,
  hotProfiles: null,
  dedupeHours: 24,
  stateWriteSeconds: 1,
  adminToken: null,
  logLevel: 'info',
  corsOrigins: '*',
  adminCorsOrigins: [],
  segmentSweepSeconds: 300,
  predictionTrainHours: 24,
  retentionPurgeHours: 24,
  decisionSampleRate: 1,
  examples: true,
  passwordCost: 17,
  sessionHours: 12,
  secureCookies: true,
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function integer(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not "${value}"`);
  return n;
}

function originList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
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
  if (values.storageThread !== undefined) {
    if (values.storageThread !== 'worker' && values.storageThread !== 'inline') throw new ConfigError(`${source('storageThread')} must be "worker" or "inline"`);
    out.storageThread = values.storageThread;
  }
  if (values.maxPendingEvents !== undefined) out.maxPendingEvents = integer(source('maxPendingEvents'), values.maxPendingEvents, 1, 10_000_000);
  if (values.profileCacheMegabytes !== undefined) out.profileCacheMegabytes = integer(source('profileCacheMegabytes'), values.profileCacheMegabytes, 16, 1_048_576);
  if (values.hotProfiles !== undefined) out.hotProfiles = values.hotProfiles === '' ? null : integer(source('hotProfiles'), values.hotProfiles, 0, 100_000_000);
  if (values.dedupeHours !== undefined) out.dedupeHours = integer(source('dedupeHours'), values.dedupeHours, 24, 720);
  if (values.stateWriteSeconds !== undefined) out.stateWriteSeconds = integer(source('stateWriteSeconds'), values.stateWriteSeconds, 1, 300);
  if (values.adminToken !== undefined) out.adminToken = values.adminToken === '' ? null : values.adminToken;
  if (values.logLevel !== undefined) out.logLevel = values.logLevel;
  if (values.segmentSweepSeconds !== undefined) out.segmentSweepSeconds = integer(source('segmentSweepSeconds'), values.segmentSweepSeconds, 0, 86_400);
  if (values.predictionTrainHours !== undefined) out.predictionTrainHours = integer(source('predictionTrainHours'), values.predictionTrainHours, 0, 8_760);
  if (values.retentionPurgeHours !== undefined) out.retentionPurgeHours = integer(source('retentionPurgeHours'), values.retentionPurgeHours, 0, 8_760);
  if (values.decisionSampleRate !== undefined) {
    const rate = Number(values.decisionSampleRate);
    if (values.decisionSampleRate.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new ConfigError(`${source('decisionSampleRate')} must be a number from 0 to 1, not "${values.decisionSampleRate}"`);
    out.decisionSampleRate = rate;
  }
  if (values.examples !== undefined) {
    if (values.examples !== 'on' && values.examples !== 'off') throw new ConfigError(`${source('examples')} must be "on" or "off"`);
    out.examples = values.examples === 'on';
  }
  if (values.passwordCost !== undefined) out.passwordCost = integer(source('passwordCost'), values.passwordCost, 10, 20);
  if (values.sessionHours !== undefined) out.sessionHours = integer(source('sessionHours'), values.sessionHours, 1, 720);
  if (values.secureCookies !== undefined) {
    if (values.secureCookies !== 'on' && values.secureCookies !== 'off') throw new ConfigError(`${source('secureCookies')} must be "on" or "off"`);
    out.secureCookies = values.secureCookies === 'on';
  }
  if (values.corsOrigins !== undefined) out.corsOrigins = values.corsOrigins === '*' ? '*' : originList(values.corsOrigins);
  if (values.adminCorsOrigins !== undefined) {
    // Secret keys travel on these calls: every origin trusted with them is named.
    if (values.adminCorsOrigins.includes('*')) throw new ConfigError(`${source('adminCorsOrigins')} lists origins one by one (comma-separated); "*" is not allowed`);
    out.adminCorsOrigins = originList(values.adminCorsOrigins);
  }
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
