import { readFileSync } from 'node:fs';

/**
 * Reading a V8 CPU profile (node --cpu-prof): self time per function and per area, and
 * inclusive time of chosen functions. The summaries of the ingest benchmark
 * (summarizeProfile.ts) and of the know benchmark (knowProfile.ts) are built on these.
 */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export type Frame = ProfileNode['callFrame'];

/** Areas, first match wins, by the function's file or name. */
export type Areas = readonly (readonly [string, (frame: Frame) => boolean])[];

export interface ProfileTimes {
  /** Self time per function (`name file:line`) and per area, µs; idle left out. */
  readonly byFunction: Map<string, number>;
  readonly byArea: Map<string, number>;
  readonly totalMicros: number;
  readonly idleMicros: number;
  /**
   * Inclusive time: each sample counts once for every label on its stack. `labels` gives a
   * frame's labels (none for a function not watched).
   */
  inclusive(labels: (frame: Frame) => readonly string[]): Map<string, number>;
}

export function readCpuProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

export function profileTimes(profile: CpuProfile, areas: Areas): ProfileTimes {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let idleMicros = 0;
  for (const [id, micros] of self) if (byId.get(id)?.callFrame.functionName === '(idle)') idleMicros += micros;

  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const file = frame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'} ${file}:${(frame.lineNumber + 1).toString()}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    const area = areas.find(([, test]) => test(frame))?.[0] ?? 'other';
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
  }

  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = (labels: (frame: Frame) => readonly string[]) => {
    const totals = new Map<string, number>();
    for (const [id, micros] of self) {
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        for (const label of labels(byId.get(at)!.callFrame)) {
          if (seen.has(label)) continue;
          seen.add(label);
          totals.set(label, (totals.get(label) ?? 0) + micros);
        }
      }
    }
    return totals;
  };
  return { byFunction, byArea, totalMicros: profile.endTime - profile.startTime, idleMicros, inclusive };
}
