import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { Compile } from 'typebox/compile';
import type { AttuneConfig } from '../config/config.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { QualityReport } from '../core/quality/qualityReport.js';
import { TrackingPlan } from '../core/quality/TrackingPlan.js';
import type { FairnessQuery, FairnessReport } from '../fairness/FairnessService.js';
import { withEngine } from './withEngine.js';

type ConfigFrom = (options: { data?: string }) => AttuneConfig;

const pct = (rate: number | null): string => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);
const fixed = (x: number | null, digits = 2): string => (x === null ? '-' : x.toFixed(digits));

/** The quality report as text: the headline figures, then the findings worth acting on. */
export function formatQualityReport(r: QualityReport): string {
  const lines = [
    `Data quality ${r.since.slice(0, 10)} to ${new Date(Date.parse(r.until) - 1).toISOString().slice(0, 10)}`,
    `  events stored      ${r.volume.events}`,
    `  received           ${r.rejections.received} (accepted ${r.rejections.accepted}, duplicates ${r.rejections.duplicates}, rejected ${r.rejections.rejected}: ${pct(r.rejections.rate)})`,
    ...r.rejections.byReason.map((x) => `    ${x.code} at ${x.step}: ${x.count} (${pct(x.rate)})`),
    `  late               over 1 h ${r.timing.late.over1h}, over 1 day ${r.timing.late.over1d}, over 7 days ${r.timing.late.over7d}`,
    `  future-dated       ${r.timing.futureDated}`,
    `  identity           merges ${r.identity.merges}, skipped ${r.identity.skippedMerges.map((s) => `${s.reason} ${s.count}`).join(', ') || '0'}, `
      + `profiles at the merge cap (${r.identity.maxMergedProfiles}) ${r.identity.profilesAtMergeCap} of ${r.identity.profiles}`,
    '',
    'Events by name and source',
    ...r.volume.byEvent.slice(0, 20).map((e) => `  ${String(e.count).padStart(8)}  ${e.event ?? `(${e.type})`}  ${e.source ?? '-'}`),
    '',
    `Properties that change type: ${r.properties.changingType.length}`,
    ...r.properties.changingType.map((p) => `  ${p.event ?? `(${p.type})`}.${p.property}: ${Object.entries(p.types).map(([t, n]) => `${t} ${n}`).join(', ')}`),
    ...r.properties.unreadableNumbers.map((u) => `  unreadable as a number: ${u.path} (${u.reason}) ${u.count}`),
  ];
  if (r.trackingPlan !== null) {
    lines.push('', 'Tracking plan');
    for (const e of r.trackingPlan.events) {
      lines.push(`  ${e.event}: ${e.seen} seen`);
      for (const m of e.missing) lines.push(`    missing ${m.property}: ${m.count} (${pct(m.rate)})`);
      for (const w of e.wrongType) lines.push(`    wrong type ${w.property}: ${w.count} (${Object.entries(w.types).map(([t, n]) => `${t} ${n}`).join(', ')})`);
      for (const u of e.unplannedProperties) lines.push(`    not in the plan: ${u.property} ${u.count}`);
    }
    for (const u of r.trackingPlan.unplannedEvents) lines.push(`  not in the plan: ${u.event} ${u.count}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The fairness report as text: one table per measure, then the warnings. */
export function formatFairnessReport(r: FairnessReport): string {
  const subject = r.subject.kind === 'placement' ? `placement ${r.subject.id}${r.subject.action === null ? '' : ` (action ${r.subject.action})`}` : `experiment ${r.subject.id} (metric ${r.subject.metric})`;
  const lines = [`Fairness of ${subject} by ${r.by}, ${r.from} to ${r.to}; threshold ${r.threshold}, ${Math.round((1 - r.alpha) * 100)}% intervals`];
  for (const m of r.measures) {
    lines.push('', `${m.measure} (reference ${m.reference ?? 'none'})`);
    for (const g of m.groups) {
      const interval = g.lower === null ? '' : ` [${fixed(g.lower)}, ${fixed(g.upper)}]`;
      lines.push(`  ${g.group.padEnd(20)} ${`${g.successes}/${g.units}`.padStart(12)} ${pct(g.rate).padStart(7)}  ratio ${fixed(g.ratio)}${interval}${g.belowThreshold ? (g.conclusive ? '  BELOW' : '  below?') : ''}`);
    }
  }
  lines.push('', r.warnings.length === 0 ? 'No group below the threshold.' : `${r.warnings.length} warning(s):`);
  for (const w of r.warnings) lines.push(`  ${w.measure}: ${w.group} at ${fixed(w.ratio)} of ${w.reference}${w.conclusive ? '' : ' (the interval reaches the threshold)'}`);
  if (r.groupsOmitted > 0) lines.push(`${r.groupsOmitted} smaller group(s) left out`);
  return `${lines.join('\n')}\n`;
}

const validPlan = Compile(TrackingPlan);

/** The options of `report fairness` that are the service's query (the parent's --experiment is one of them). */
const fairnessOptions = ['placement', 'experiment', 'by', 'action', 'metric', 'reference', 'from', 'to'] as const;
type FairnessOption = (typeof fairnessOptions)[number];

/** `attune report quality|fairness` and `attune tracking-plan set|show|remove`. */
export function registerQualityCommands(program: Command, report: Command, configFrom: ConfigFrom, dataOption: () => Option): void {
  report.command('quality')
    .description('the data-quality report: events by name and source, rejections by reason, properties that change type, the tracking plan\'s findings, identity health, late and future-dated events')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--from <day>', 'first UTC day, YYYY-MM-DD (default six days before --to)')
    .option('--to <day>', 'last UTC day, YYYY-MM-DD (default today)')
    .addOption(new Option('--bucket <bucket>', 'the series\' buckets').choices(['day', 'week']).default('day'))
    .option('--json', 'print the report as JSON')
    .action(async (_options: unknown, command: Command) => {
      // `report` has --data, --workspace and --json of its own: commander gives them to it, so read both levels.
      const options = command.optsWithGlobals<{ data?: string; workspace?: string; from?: string; to?: string; bucket: 'day' | 'week'; json?: boolean }>();
      process.exitCode = await withEngine(configFrom(options), 'report', options.workspace, async (engine, workspace) => {
        const r = await engine.quality.report(workspace.id, {
          bucket: options.bucket, ...(options.from === undefined ? {} : { from: options.from }), ...(options.to === undefined ? {} : { to: options.to }),
        });
        process.stdout.write(options.json === true ? `${JSON.stringify(r, null, 2)}\n` : formatQualityReport(r));
      });
    });

  report.command('fairness')
    .description('exposure and outcome rates of a placement or an experiment per group of a trait or a segment, with disparity ratios, Katz intervals and warnings below the workspace\'s threshold')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--placement <id>', 'a placement')
    .option('--experiment <id>', 'an experiment')
    .requiredOption('--by <group>', 'traits.<name> or segment:<id>')
    .option('--action <id>', 'a placement: exposure to this action only')
    .option('--metric <id>', 'an experiment: the outcome metric (default its primary metric)')
    .option('--reference <group>', 'the group to compare with (default the best group of each measure)')
    .option('--from <day>', 'first UTC day, YYYY-MM-DD (default 29 days before --to)')
    .option('--to <day>', 'last UTC day, YYYY-MM-DD (default today)')
    .option('--json', 'print the report as JSON')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<{ data?: string; workspace?: string; json?: boolean } & Partial<Record<FairnessOption, string>> & { by: string }>();
      const query = Object.fromEntries(fairnessOptions.flatMap((name) => (options[name] === undefined ? [] : [[name, options[name]]]))) as unknown as FairnessQuery;
      process.exitCode = await withEngine(configFrom(options), 'report', options.workspace, async (engine, workspace) => {
        const r = await engine.fairness.report(workspace.id, query);
        process.stdout.write(options.json === true ? `${JSON.stringify(r, null, 2)}\n` : formatFairnessReport(r));
      });
    });

  const plan = program.command('tracking-plan').description('the workspace\'s tracking plan, which the data-quality report compares the events with');
  plan.command('set <file>')
    .description('replace the tracking plan with a JSON file ({"events": [{"event": ..., "properties": [{"name": ..., "type": ..., "required": true}]}]})')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .action(async (file: string, options: { data?: string; workspace?: string }) => {
      const body = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      const first = validPlan.Errors(body).find(() => true);
      if (first !== undefined) throw new AttuneError('ATTUNE_INVALID_REQUEST', { field: first.instancePath, detail: `${file}${first.instancePath}: ${first.message}` });
      process.exitCode = await withEngine(configFrom(options), 'tracking-plan', options.workspace, async (engine, workspace) => {
        const saved = await engine.quality.setTrackingPlan(workspace.id, body as TrackingPlan);
        process.stdout.write(`Tracking plan of ${workspace.id} saved: ${saved.plan.events.length} event(s)\n`);
      });
    });
  plan.command('show')
    .description('print the tracking plan as JSON (null without one)')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .action(async (options: { data?: string; workspace?: string }) => {
      process.exitCode = await withEngine(configFrom(options), 'tracking-plan', options.workspace, async (engine, workspace) => {
        process.stdout.write(`${JSON.stringify((await engine.quality.trackingPlan(workspace.id))?.plan ?? null, null, 2)}\n`);
      });
    });
  plan.command('remove')
    .description('remove the tracking plan')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .action(async (options: { data?: string; workspace?: string }) => {
      process.exitCode = await withEngine(configFrom(options), 'tracking-plan', options.workspace, async (engine, workspace) => {
        process.stdout.write((await engine.quality.deleteTrackingPlan(workspace.id)) ? 'Tracking plan removed\n' : 'There was no tracking plan\n');
      });
    });
}
