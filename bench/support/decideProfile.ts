import { fileURLToPath } from 'node:url';
import { profileTimes, readCpuProfile, type Areas, type CpuProfile, type Frame } from './cpuProfile.js';

/**
 * Where the time of an in-process decide goes, from a V8 CPU profile of DecisionService.decide
 * calls (decideInProcess.ts takes it with the inspector): self time by area, inclusive time of
 * the functions on the decide path, and the top functions; in shares of busy time and in µs
 * per call. `npx tsx bench/support/decideProfile.ts <file.cpuprofile> <calls>` prints one.
 */

const profilerArea = 'CPU profiler (inspector dispatch; left out of busy time)';
const inSrc = (part: string) => (f: Frame) => f.url.includes(`/src/${part}`);

/** Areas, first match wins. */
const areas: Areas = [
  ['idle', (f) => f.functionName === '(idle)'],
  // The inspector session that takes the profile (starting and stopping it): not the decide path's.
  [profilerArea, (f) => f.functionName === 'dispatch' && f.url === ''],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['SQLite (profile load, commits)', (f) => f.url.includes('better-sqlite3') || (f.url === '' && ['run', 'get', 'all', 'exec', 'pragma', 'transaction'].includes(f.functionName))],
  ['JSON (parse, stringify)', (f) => ['parse', 'stringify'].includes(f.functionName) && f.url === ''],
  ['rules (src/core/rules)', inSrc('core/rules/')],
  ['decide core (src/core/decide)', inSrc('core/decide/')],
  ['features (src/core/features)', inSrc('core/features/')],
  ['segments (src/core/segments)', inSrc('core/segments/')],
  ['knowledge, session, consent (src/core)', (f) => inSrc('core/knowledge/')(f) || inSrc('core/session/')(f) || inSrc('core/consent/')(f)],
  ['DecisionService, models (src/decide, src/knowledge)', (f) => inSrc('decide/')(f) || inSrc('knowledge/')(f)],
  ['store adapter (src/store)', inSrc('store/')],
  ['server routes, auth, metrics hooks (src/server, src/workspaces)', (f) => inSrc('server/')(f) || inSrc('workspaces/')(f)],
  ['Fastify and its plugins (routing, hooks, serialisation)', (f) => /\/(fastify|@fastify|find-my-way|avvio|fast-json-stringify|light-my-request|fast-querystring|secure-json-parse)\//.test(f.url)],
  ['validation (typebox)', (f) => f.url.includes('/typebox/')],
  ['prom-client (metrics)', (f) => f.url.includes('/prom-client/')],
  ['module loading (start-up)', (f) => f.url.startsWith('node:internal/modules') || f.url.includes('/tsx/') || f.url.includes('/esbuild/')],
  ['ids (crypto.randomUUID)', (f) => f.functionName === 'randomUUID' || f.url.includes('internal/crypto/random')],
  ['benchmark loop (bench)', (f) => f.url.includes('/bench/')],
  ['Node internals (http, net, streams, timers, promises)', (f) => f.url.startsWith('node:')],
  ['socket writes and other native I/O (writev, ...)', (f) => f.url === '' && ['writev', 'writeUtf8String', 'writeBuffer', 'writeLatin1String', 'onStreamRead'].includes(f.functionName)],
  ['program (native, not attributed)', (f) => f.functionName === '(program)'],
  ['builtins (Object.entries, Date, Intl, ...)', (f) => f.url === ''],
];

/** Functions on the decide path whose inclusive time is reported (by name; `file` narrows a common name). */
const watched: readonly { readonly label: string; readonly name: string; readonly file?: string }[] = [
  { label: 'DecisionService.decide', name: 'decide', file: '/src/decide/DecisionService' },
  { label: '  findDecisionProfile (SQLite read, JSON.parse)', name: 'findDecisionProfile' },
  { label: '  DecisionModels.get', name: 'get', file: '/src/decide/DecisionModels' },
  { label: '  budgetsFor', name: 'budgetsFor' },
  { label: '  decide (pure core)', name: 'decide', file: '/src/core/decide/decide' },
  { label: '    decisionFrame', name: 'decisionFrame' },
  { label: '      ruleInputFor', name: 'ruleInputFor' },
  { label: '        features.read', name: 'read', file: '/features/compileFeatures' },
  { label: '        derivedFeatures', name: 'derivedFeatures' },
  { label: '      SegmentSet.current', name: 'current', file: '/segments/compileSegments' },
  { label: '      timeZoneOf', name: 'timeZoneOf' },
  { label: '    runPlacement', name: 'runPlacement' },
  { label: '      rule.matches (eligibility)', name: 'matches', file: '/rules/compileRule' },
  { label: '      checkCaps', name: 'checkCaps' },
  { label: '      chooseActions', name: 'chooseActions' },
  { label: '      renderTemplate', name: 'renderTemplate' },
  { label: '      newDecisionId (randomUUID)', name: 'randomUUID' },
  { label: '  record (submit to the committer)', name: 'record', file: '/src/decide/DecisionService' },
  { label: 'commitQueued (group commit of the records)', name: 'commitQueued' },
  { label: '  recordDecisions', name: 'recordDecisions' },
  { label: 'JSON.parse', name: 'parse' },
  { label: 'JSON.stringify', name: 'stringify' },
];

export interface DecideProfileSummary {
  readonly calls: number;
  readonly seconds: number;
  readonly busySeconds: number;
  readonly busyMicrosPerCall: number;
  /** Largest first; `share` of busy time, `microsPerCall` of it per decide call. */
  readonly areas: readonly { readonly area: string; readonly share: number; readonly microsPerCall: number }[];
  readonly inclusive: readonly { readonly function: string; readonly share: number; readonly microsPerCall: number }[];
  readonly top: readonly { readonly function: string; readonly share: number; readonly microsPerCall: number }[];
}

export function summarizeDecideProfile(profile: CpuProfile, calls: number, top = 25): DecideProfileSummary {
  const times = profileTimes(profile, areas);
  const busyMicros = Math.max(1, times.totalMicros - times.idleMicros - (times.byArea.get(profilerArea) ?? 0));
  times.byArea.delete(profilerArea);
  for (const key of [...times.byFunction.keys()]) if (key.startsWith('dispatch :')) times.byFunction.delete(key);
  const inclusive = times.inclusive((frame) => watched.filter((w) => frame.functionName === w.name && (w.file === undefined || frame.url.includes(w.file))).map((w) => w.label));
  const entry = (micros: number) => ({ share: micros / busyMicros, microsPerCall: micros / calls });
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return {
    calls,
    seconds: times.totalMicros / 1e6,
    busySeconds: busyMicros / 1e6,
    busyMicrosPerCall: busyMicros / calls,
    areas: sorted(times.byArea).map(([area, micros]) => ({ area, ...entry(micros) })),
    // In the order of `watched` (a call tree), not by size.
    inclusive: watched.filter((w) => inclusive.has(w.label)).map((w) => ({ function: w.label, ...entry(inclusive.get(w.label)!) })),
    top: sorted(times.byFunction).slice(0, top).map(([name, micros]) => ({ function: name, ...entry(micros) })),
  };
}

export function formatDecideProfile(summary: DecideProfileSummary): string {
  const row = (share: number, micros: number, label: string) => `  ${(100 * share).toFixed(1).padStart(5)}%  ${micros.toFixed(1).padStart(6)} µs  ${label}`;
  return [
    `profile: ${summary.calls.toLocaleString('en-US')} calls in ${summary.seconds.toFixed(1)} s, busy ${summary.busySeconds.toFixed(1)} s = ${summary.busyMicrosPerCall.toFixed(1)} µs per call (commits included)`,
    '', 'self time by area (share of busy time, µs per call):', ...summary.areas.map((a) => row(a.share, a.microsPerCall, a.area)),
    '', 'inclusive time on the decide path:', ...summary.inclusive.map((f) => row(f.share, f.microsPerCall, f.function)),
    '', `top ${summary.top.length.toString()} functions by self time:`, ...summary.top.map((f) => row(f.share, f.microsPerCall, f.function)),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, calls] = process.argv.slice(2);
  if (file === undefined || calls === undefined) {
    console.error('usage: npx tsx bench/support/decideProfile.ts <file.cpuprofile> <calls>');
    process.exit(2);
  }
  console.log(formatDecideProfile(summarizeDecideProfile(readCpuProfile(file), Number(calls))));
}
