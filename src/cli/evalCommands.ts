import type { Command } from 'commander';
import { seededRandom } from '../core/common/random.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { evaluateRecommender, summarizeRuns, type EvaluationResult, type RunSummary } from '../core/recommend/evaluate/evaluateRecommender.js';
import type { EvaluationSplit } from '../core/recommend/evaluate/EvaluationCase.js';
import { givenSplit, leaveLastOut, sessionNextItem, splitPerUser } from '../core/recommend/evaluate/protocols.js';
import { popularityRecommender, popularityScores } from '../core/recommend/popularity/popularity.js';
import type { InteractionData, Recommender } from '../core/recommend/Recommender.js';
import { userSequences } from '../core/recommend/userItems.js';
import { evaluationRecommenders, type Protocol } from '../recommend/evaluationRecommenders.js';
import { parseColumnMap, readInteractions, readItemCategories, type ColumnMap } from '../recommend/readInteractions.js';
import { numberOption } from './numberOption.js';
import { progressBar } from './progressBar.js';

/** Adds one subcommand to the `eval` group (`eval recommend` here; `eval rules` beside it). */
export type EvalSubcommand = (group: Command) => void;

/**
 * The `eval` command group: offline evaluation on files, no data folder. Pass more
 * subcommands to add them: `registerEvalCommands(program, [recommendSubcommand, rulesSubcommand])`.
 */
export function registerEvalCommands(program: Command, subcommands: readonly EvalSubcommand[] = [recommendSubcommand]): Command {
  const group = program.command('eval').description('offline evaluation on your own files or public datasets');
  for (const add of subcommands) add(group);
  return group;
}

interface RecommendFlags {
  interactions: string;
  test?: string;
  items?: string;
  columns?: string;
  protocol: string;
  k: string;
  seeds: string;
  json?: boolean;
}

export const recommendSubcommand: EvalSubcommand = (group) => {
  group.command('recommend')
    .description('compare recommenders (popularity as the baseline) on a file of interactions: hit rate, precision, recall, nDCG, MAP, MRR at k and catalog coverage')
    .requiredOption('--interactions <file>', 'CSV or TSV with a header (user_id,item_id,rating,timestamp), MovieLens u.data, or a session file (SessionId ItemId Time)')
    .option('--test <file>', 'evaluate this given test file (same format) instead of drawing a split')
    .option('--items <file>', 'item categories (item_id,category, or MovieLens u.item): adds popularity per category')
    .option('--columns <map>', 'other header names, e.g. user=userId,item=movieId,rating=stars,time=ts')
    .option('--protocol <name>', 'split (per-user 75/25, mean over seeds), loo (leave the last one out), session (next item at every position; needs --test)', 'split')
    .option('--k <n>', 'the list length', '10')
    .option('--seeds <n>', 'random splits to average (split protocol)', '5')
    .option('--json', 'print {"results":[{recommender, ndcg, precision, recall, map, mrr, hitRate, coverage, ...}]}')
    .action((flags: RecommendFlags) => {
      process.exitCode = evalRecommendCommand(flags);
    });
};

function evalRecommendCommand(flags: RecommendFlags): number {
  const protocol = flags.protocol;
  if (protocol !== 'split' && protocol !== 'loo' && protocol !== 'session') {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `--protocol must be split, loo or session, got "${protocol}"`, field: '--protocol' });
  }
  if (protocol === 'session' && flags.test === undefined) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'the session protocol needs --test (the test sessions)', field: '--test' });
  }
  const k = numberOption('--k', flags.k, 1, 1000, true);
  const seeds = numberOption('--seeds', flags.seeds, 1, 100, true);
  const columns: ColumnMap = flags.columns === undefined ? {} : parseColumnMap(flags.columns);
  const { data } = readInteractions(flags.interactions, columns);
  const test = flags.test === undefined ? undefined : readInteractions(flags.test, columns, '--test').data;
  const splits = drawSplits(protocol, data, test, seeds);
  const categories = flags.items === undefined ? undefined : readItemCategories(flags.items, columns);
  const summaries = evaluateAll(protocol, splits, k, categories);
  if (flags.json === true) process.stdout.write(`${JSON.stringify({ results: summaries })}\n`);
  else process.stdout.write(formatResults(summaries, k, splits.length));
  return 0;
}

/** One split per seed for the random split, else the one deterministic split. */
function drawSplits(protocol: Protocol, data: InteractionData, test: InteractionData | undefined, seeds: number): EvaluationSplit[] {
  if (protocol === 'session') {
    const sessions = userSequences(test!).map((sequence) => sequence.map((item) => test!.itemIds[item]!));
    return [sessionNextItem(data, sessions)];
  }
  if (test !== undefined) return [givenSplit(data, test.interactions.map((x) => ({ user: test.userIds[x.user]!, item: test.itemIds[x.item]! })))];
  if (protocol === 'loo') return [leaveLastOut(data)];
  return Array.from({ length: seeds }, (_, seed) => splitPerUser(data, seededRandom(seed + 1)));
}

function evaluateAll(protocol: Protocol, splits: readonly EvaluationSplit[], k: number, categories: Map<string, string> | undefined): RunSummary[] {
  const entries = evaluationRecommenders.filter((entry) => entry.applies(protocol, splits[0]!.train));
  const runs = new Map<string, EvaluationResult[]>();
  const interactive = process.stdout.isTTY === true && process.stderr.isTTY === true;
  splits.forEach((split, index) => {
    const itemCount = split.train.itemIds.length;
    for (const entry of entries) {
      const bar = entry.slow && interactive ? progressBar(process.stderr, `${entry.name} ${index + 1}/${splits.length}`, 'percent') : undefined;
      const recommender = entry.train(split.train, (fraction) => bar?.update({ bytes: fraction, totalBytes: 1, rows: Math.round(fraction * 100) }));
      bar?.finish();
      const result = evaluateRecommender(recommender, split.cases, k, itemCount);
      runs.set(entry.name, [...(runs.get(entry.name) ?? []), result]);
    }
    if (categories !== undefined) {
      const result = evaluateByCategory(split, k, categories);
      runs.set(result.recommender, [...(runs.get(result.recommender) ?? []), result]);
    }
  });
  return [...runs.values()].map(summarizeRuns);
}

/** Popularity per category: each user's list is the popular items of the category most of their history is in. */
function evaluateByCategory(split: EvaluationSplit, k: number, categories: Map<string, string>): EvaluationResult {
  const itemCategories = split.train.itemIds.map((id) => categories.get(id));
  const popular = popularityRecommender('popular', popularityScores(split.train), itemCategories);
  const recommender: Recommender = {
    name: 'popular-in-category',
    recommend: (query) => {
      const counts = new Map<string, number>();
      for (const item of query.history) {
        const category = itemCategories[item];
        if (category !== undefined) counts.set(category, (counts.get(category) ?? 0) + 1);
      }
      const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
      return top === undefined ? popular.recommend(query) : popular.forCategory(top[0]).recommend(query);
    },
  };
  return evaluateRecommender(recommender, split.cases, k, split.train.itemIds.length);
}

const metricColumns = [['ndcg', 'nDCG'], ['precision', 'P'], ['recall', 'R'], ['map', 'MAP'], ['mrr', 'MRR'], ['hitRate', 'HR'], ['coverage', 'coverage']] as const;

/** A plain table, each figure with its spread over the seeds when there were several. */
function formatResults(summaries: readonly RunSummary[], k: number, runs: number): string {
  const header = ['recommender', ...metricColumns.map(([, label]) => (label === 'coverage' ? label : `${label}@${k}`))];
  const rows = summaries.map((s) => [s.recommender, ...metricColumns.map(([metric]) => (runs > 1 ? `${s[metric].toFixed(4)} ±${s[`${metric}Spread`].toFixed(4)}` : s[metric].toFixed(4)))]);
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((row) => row[c]!.length)));
  const line = (row: readonly string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const note = runs > 1 ? `means over ${runs} seeds, ± their standard deviation\n` : '';
  return `${[line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')}\n${note}`;
}
