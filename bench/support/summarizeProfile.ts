/**
 * Summarises a V8 CPU profile (node --cpu-prof; `npm run bench -- ingest --profile` writes
 * them): self time by function and by area, and total (inclusive) time of chosen functions.
 *
 *   npx tsx bench/support/summarizeProfile.ts <file.cpuprofile> [top=25]
 */
import { fileURLToPath } from 'node:url';
import { profileTimes, readCpuProfile, type Areas, type CpuProfile } from './cpuProfile.js';

/** Areas, first match wins, by the function's file or name. */
const areas: Areas = [
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

export function summarizeProfile(profile: CpuProfile, top = 25): string {
  const { byFunction, byArea, totalMicros, idleMicros, inclusive: inclusiveOf } = profileTimes(profile, areas);
  const busyMicros = totalMicros - idleMicros;
  const pct = (micros: number) => `${((100 * micros) / busyMicros).toFixed(1).padStart(5)}%`;

  // Inclusive time of a few functions of interest (and of each collect step's `run`): self time of their whole subtree.
  const watched = ['commitQueued', 'collect', 'prepare', 'applyEvent', 'updateProfile', 'hasMessage', 'findProfile', 'touchProfile', 'appendEvent', 'writeTraits', 'loadProfileState',
    'loadKnowledge', 'saveKnowledge', 'applyEventKnowledge', 'recordSegmentChanges', 'recordConsentChanges',
    'createProfile', 'linkIdentity', 'authenticate', 'parse', 'checkEventSize', 'validateCallShape', 'normalizeEvent', 'readTimes', 'onResponse', 'serialize'];
  const inclusive = inclusiveOf(({ functionName: name, url }) => {
    if (name === 'run' && url.includes('/src/core/collect/steps/')) return [`run (${url.replace(/.*\/steps\//, '')})`];
    return watched.includes(name) ? [name] : [];
  });

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
  console.log(summarizeProfile(readCpuProfile(file), top === undefined ? 25 : Number(top)));
}
