/**
 * Summarises a V8 CPU profile (node --cpu-prof; `npm run bench -- ingest --profile` writes
 * them): self time by function and by area, and total (inclusive) time of chosen functions.
 *
 *   npx tsx bench/support/summarizeProfile.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Areas, first match wins, by the function's file or name. */
const areas: readonly (readonly [string, (frame: ProfileNode['callFrame']) => boolean])[] = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['SQLite (native statements, commit, fsync)', (f) => f.url.includes('better-sqlite3') || (f.url === '' && ['run', 'get', 'all', 'exec', 'pragma', 'transaction'].includes(f.functionName))],
  ['JSON (parse, stringify)', (f) => f.url.includes('secure-json-parse') || ['parse', 'stringify'].includes(f.functionName)],
  ['validation (typebox)', (f) => f.url.includes('/typebox/')],
  ['collect pipeline (src/core/collect, events)', (f) => f.url.includes('/src/core/collect/') || f.url.includes('/src/core/events/')],
  ['identity (src/core/identity)', (f) => f.url.includes('/src/core/identity/')],
  ['knowledge (features, sessions, consent, segments)', (f) => ['knowledge', 'features', 'session', 'consent', 'segments', 'rules'].some((dir) => f.url.includes(`/src/core/${dir}/`) || f.url.includes(`/src/${dir}/`))],
  ['collector, store adapter (src/collect, src/store)', (f) => f.url.includes('/src/collect/') || f.url.includes('/src/store/')],
  ['server (src/server, src/workspaces)', (f) => f.url.includes('/src/server/') || f.url.includes('/src/workspaces/')],
  ['Fastify and plugins', (f) => f.url.includes('/fastify') || f.url.includes('/find-my-way/') || f.url.includes('/light-my-request/') || f.url.includes('/avvio/')],
  ['prom-client', (f) => f.url.includes('/prom-client/')],
  ['Node internals (http, net, streams, timers)', (f) => f.url.startsWith('node:')],
  ['program (native, not attributed)', (f) => f.functionName === '(program)'],
];

function areaOf(frame: ProfileNode['callFrame']): string {
  return areas.find(([, test]) => test(frame))?.[0] ?? 'other';
}

export function summarizeProfile(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalMicros = profile.endTime - profile.startTime;
  const idleMicros = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((sum, [, t]) => sum + t, 0);
  const busyMicros = totalMicros - idleMicros;
  const pct = (micros: number) => `${((100 * micros) / busyMicros).toFixed(1).padStart(5)}%`;

  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const file = frame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'} ${file}:${(frame.lineNumber + 1).toString()}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    byArea.set(areaOf(frame), (byArea.get(areaOf(frame)) ?? 0) + micros);
  }

  // Inclusive time of a few functions of interest: self time of their whole subtree.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map<string, number>();
  const watched = ['commitQueued', 'collect', 'prepare', 'applyEvent', 'updateProfile', 'hasMessage', 'findProfile', 'touchProfile', 'appendEvent', 'writeTraits', 'loadProfileState',
    'loadKnowledge', 'saveKnowledge', 'applyEventKnowledge', 'recordSegmentChanges', 'recordConsentChanges',
    'createProfile', 'linkIdentity', 'authenticate', 'parse', 'checkEventSize', 'validateCallShape', 'normalizeEvent', 'readTimes', 'onResponse', 'serialize'];
  for (const [id, micros] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)!.callFrame.functionName;
      const label = name === 'run' && byId.get(at)!.callFrame.url.includes('/src/core/collect/steps/') ? `run (${byId.get(at)!.callFrame.url.replace(/.*\/steps\//, '')})` : name;
      if ((watched.includes(name) || label !== name) && !seen.has(label)) {
        seen.add(label);
        inclusive.set(label, (inclusive.get(label) ?? 0) + micros);
      }
    }
  }

  const lines: string[] = [];
  lines.push(`profile: ${(totalMicros / 1e6).toFixed(1)} s, busy ${(busyMicros / 1e6).toFixed(1)} s (${((100 * busyMicros) / totalMicros).toFixed(0)}%); shares below are of busy time`);
  lines.push('', 'self time by area:');
  for (const [area, micros] of [...byArea].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(micros)}  ${area}`);
  lines.push('', 'inclusive time of selected functions:');
  for (const [name, micros] of [...inclusive].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(micros)}  ${name}`);
  lines.push('', `top ${top.toString()} functions by self time:`);
  for (const [key, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(micros)}  ${key}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: npx tsx bench/support/summarizeProfile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top === undefined ? 25 : Number(top)));
}
