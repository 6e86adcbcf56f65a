import type { AttuneConfig } from '../config/config.js';
import { createEngine } from '../engine/createEngine.js';
import type { ReportOptions } from '../experiments/ExperimentService.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { formatRoiReport } from './formatRoiReport.js';
import { openStore } from './openStore.js';
import { seededRandom } from '../core/common/random.js';
import { systemClock, uuidIds } from './systemClock.js';

export interface ReportCommandOptions extends ReportOptions {
  readonly workspace?: string;
  readonly json: boolean;
}

/** `attune report`: the ROI report of a workspace (the program and its experiments), as a table or JSON. */
export async function reportCommand(config: AttuneConfig, options: ReportCommandOptions): Promise<number> {
  const store = openStore(config, 'report');
  try {
    const workspace = await chooseWorkspace(store.workspaces, options.workspace);
    const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: seededRandom(0), decisionSampleRate: 0 });
    const { workspace: _w, json: _j, ...reportOptions } = options;
    const report = await engine.experiments.report(workspace.id, reportOptions);
    if (options.json) process.stdout.write(`${JSON.stringify({ workspace: { id: workspace.id, name: workspace.name }, ...report }, null, 2)}\n`);
    else {
      process.stdout.write(`Workspace "${workspace.name}" (${workspace.id}), ${report.generatedAt}\n\n`);
      process.stdout.write(formatRoiReport(report.reports, { color: process.stdout.isTTY === true }));
    }
    return 0;
  } finally {
    await store.close();
  }
}
