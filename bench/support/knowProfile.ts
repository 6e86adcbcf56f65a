/**
 * Summarises a V8 CPU profile of the `know` benchmark's server (or of the pure core) by what
 * knowledge costs: self time by area (features, segments, rules, session, consent, knowledge,
 * JSON, SQLite, HTTP ...), inclusive time of the functions on the knowledge path, and the top
 * functions by self time.
 *
 *   npx tsx bench/support/knowProfile.ts <file.cpuprofile> [top=30]
 */
import { fileURLToPath } from 'node:url';
import { profileTimes, readCpuProfile, type Areas, type CpuProfile, type Frame } from './cpuProfile.js';

const inCore = (part: string) => (f: Frame) => f.url.includes(`/src/core/${part}/`);

/** Areas, first match wins. */
const areas: Areas = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['SQLite (statements, commit, fsync)', (f) => f.url.includes('better-sqlite3') || (f.url === '' && ['run', 'get', 'all', 'exec', 'pragma', 'transaction'].includes(f.functionName))],
  ['JSON (parse, stringify)', (f) => f.url.includes('secure-json-parse') || ['parse', 'stringify'].includes(f.functionName)],
  ['features (src/core/features)', inCore('features')],
  ['segments (src/core/segments)', inCore('segments')],
  ['rules (src/core/rules)', inCore('rules')],
  ['session (src/core/session)', inCore('session')],
  ['consent (src/core/consent)', inCore('consent')],
  ['knowledge (src/core/knowledge)', inCore('knowledge')],
  ['URL parsing (node:internal/url)', (f) => f.url === 'node:internal/url'],
  ['collect pipeline (src/core/collect, events)', (f) => inCore('collect')(f) || inCore('events')(f)],
  ['identity (src/core/identity)', inCore('identity')],
  ['collector, store adapter (src/collect, src/store)', (f) => f.url.includes('/src/collect/') || f.url.includes('/src/store/')],
  ['server (src/server, src/workspaces, src/knowledge)', (f) => f.url.includes('/src/server/') || f.url.includes('/src/workspaces/') || f.url.includes('/src/knowledge/')],
  ['validation (typebox)', (f) => f.url.includes('/typebox/')],
  ['Fastify and plugins', (f) => f.url.includes('/fastify') || f.url.includes('/find-my-way/') || f.url.includes('/avvio/')],
  ['prom-client', (f) => f.url.includes('/prom-client/')],
  ['Node internals (http, net, streams, timers)', (f) => f.url.startsWith('node:')],
  ['program (native, not attributed)', (f) => f.functionName === '(program)'],
  ['builtins (Object.entries, fromEntries, Date ...)', (f) => f.url === ''],
];

/** Functions on the knowledge path whose inclusive time is reported (by name; `file` narrows a common name). */
const watched: readonly { readonly label: string; readonly name: string; readonly file?: string }[] = [
  { label: 'applyEvent (src/collect)', name: 'applyEvent', file: '/src/collect/applyEvent' },
  { label: 'applyEventKnowledge', name: 'applyEventKnowledge' },
  { label: 'features.update', name: 'update', file: '/features/compileFeatures' },
  { label: 'ruleInputFor', name: 'ruleInputFor' },
  { label: 'features.read', name: 'read', file: '/features/compileFeatures' },
  { label: 'derivedFeatures', name: 'derivedFeatures' },
  { label: 'readSession', name: 'readSession' },
  { label: 'updateSession', name: 'updateSession' },
  { label: 'consentChanges', name: 'consentChanges' },
  { label: 'SegmentSet.update', name: 'update', file: '/segments/compileSegments' },
  { label: 'loadKnowledge', name: 'loadKnowledge' },
  { label: 'saveKnowledge', name: 'saveKnowledge' },
  { label: 'loadProfileState', name: 'loadProfileState' },
  { label: 'touchProfile', name: 'touchProfile' },
  { label: 'appendEvent', name: 'appendEvent' },
  { label: 'hasMessage', name: 'hasMessage' },
  { label: 'findProfile', name: 'findProfile' },
  { label: 'recordSegmentChanges', name: 'recordSegmentChanges' },
  { label: 'prepare (collect pipeline)', name: 'prepare' },
  { label: 'commitQueued', name: 'commitQueued' },
];

export interface ProfileSummary {
  readonly seconds: number;
  readonly busySeconds: number;
  /** Shares of busy time, largest first. */
  readonly areas: readonly { readonly area: string; readonly share: number }[];
  readonly inclusive: readonly { readonly function: string; readonly share: number }[];
  readonly top: readonly { readonly function: string; readonly share: number }[];
}

export function summarizeKnowProfile(profile: CpuProfile, top = 30): ProfileSummary {
  const times = profileTimes(profile, areas);
  const busyMicros = Math.max(1, times.totalMicros - times.idleMicros);
  const inclusive = times.inclusive((frame) => watched.filter((w) => frame.functionName === w.name && (w.file === undefined || frame.url.includes(w.file))).map((w) => w.label));
  const share = (micros: number) => micros / busyMicros;
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return {
    seconds: times.totalMicros / 1e6,
    busySeconds: busyMicros / 1e6,
    areas: sorted(times.byArea).map(([area, micros]) => ({ area, share: share(micros) })),
    inclusive: sorted(inclusive).map(([name, micros]) => ({ function: name, share: share(micros) })),
    top: sorted(times.byFunction).slice(0, top).map(([name, micros]) => ({ function: name, share: share(micros) })),
  };
}

export function formatKnowProfile(summary: ProfileSummary): string {
  const pct = (share: number) => `${(100 * share).toFixed(1).padStart(5)}%`;
  return [
    `profile: ${summary.seconds.toFixed(1)} s, busy ${summary.busySeconds.toFixed(1)} s; shares below are of busy time`,
    '', 'self time by area:', ...summary.areas.map((a) => `  ${pct(a.share)}  ${a.area}`),
    '', 'inclusive time on the knowledge path:', ...summary.inclusive.map((f) => `  ${pct(f.share)}  ${f.function}`),
    '', `top ${summary.top.length.toString()} functions by self time:`, ...summary.top.map((f) => `  ${pct(f.share)}  ${f.function}`),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: npx tsx bench/support/knowProfile.ts <file.cpuprofile> [top=30]');
    process.exit(2);
  }
  console.log(formatKnowProfile(summarizeKnowProfile(readCpuProfile(file), top === undefined ? 30 : Number(top))));
}
