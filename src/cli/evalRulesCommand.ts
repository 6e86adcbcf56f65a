import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AttuneError } from '../core/errors/AttuneError.js';
import { mineRules, type AssociationRule, type Itemset, type MinedRules } from '../core/recommend/rules/mineRules.js';
import { parseBaskets } from '../core/recommend/rules/parseBaskets.js';

interface RulesFlags {
  baskets: string;
  minSupport: string;
  minConfidence: string;
  minLength?: string;
  maxLength?: string;
  json?: boolean;
  csv?: boolean;
  itemsets?: boolean;
}

/**
 * Adds `rules` to the `eval` group: frequent itemsets and association rules of a basket file,
 * as R's arules `apriori` defines them (docs/recommend-rules.md).
 *
 * @example addEvalRulesCommand(program.command('eval'))
 */
export function addEvalRulesCommand(evalGroup: Command): Command {
  return evalGroup.command('rules')
    .description('frequent itemsets and association rules (support, confidence, lift) of a basket file, as R\'s arules apriori defines them')
    .requiredOption('--baskets <file>', 'one basket a line, items separated by commas (arules\' "basket" format)')
    .requiredOption('--min-support <s>', 'an itemset is frequent when its share of baskets is at least s, in (0, 1]')
    .requiredOption('--min-confidence <c>', 'a rule is kept when count(X and y) / count(X) is at least c, in [0, 1]')
    .option('--min-length <n>', 'fewest items of a rule (antecedent and consequent together) and of a listed itemset; 1 allows {} => {y}', '1')
    .option('--max-length <n>', 'most items of a rule or itemset', '10')
    .option('--json', 'print {"itemsets": [...], "rules": [...]} as JSON')
    .option('--csv', 'print the rules (or with --itemsets the itemsets) as CSV')
    .option('--itemsets', 'with --csv or the table: print the itemsets instead of the rules')
    .action((flags: RulesFlags) => {
      if (flags.json === true && flags.csv === true) throw usage('--json and --csv exclude each other', '--csv');
      const options = {
        minSupport: numberFlag('--min-support', flags.minSupport),
        minConfidence: numberFlag('--min-confidence', flags.minConfidence),
        minLength: numberFlag('--min-length', flags.minLength ?? '1'),
        maxLength: numberFlag('--max-length', flags.maxLength ?? '10'),
      };
      process.stdout.write(render(mineWithFlagNames(readBaskets(flags.baskets), options), flags));
    });
}

const flagOf: Readonly<Record<string, string>> = {
  minSupport: '--min-support', minConfidence: '--min-confidence', minLength: '--min-length', maxLength: '--max-length',
};

/** mineRules, its faults named by the flag the user typed. */
function mineWithFlagNames(baskets: string[][], options: Parameters<typeof mineRules>[1]): MinedRules {
  try {
    return mineRules(baskets, options);
  } catch (error) {
    if (error instanceof AttuneError && error.field !== undefined && flagOf[error.field] !== undefined) {
      const flag = flagOf[error.field]!;
      throw usage(`${flag}: ${error.message}`, flag);
    }
    throw error;
  }
}

function usage(detail: string, field: string): AttuneError {
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail, field });
}

function readBaskets(file: string): string[][] {
  try {
    return parseBaskets(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `cannot read --baskets ${file}: ${(error as Error).message}`, field: '--baskets', cause: error });
  }
}

function numberFlag(name: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw usage(`${name} must be a number, got "${raw}"`, name);
  return value;
}

function render(mined: MinedRules, flags: RulesFlags): string {
  if (flags.json === true) {
    return `${JSON.stringify({
      baskets: mined.baskets,
      itemsets: mined.itemsets.map(({ items, support, count }) => ({ items, support, count })),
      rules: mined.rules.map(({ antecedent, consequent, support, confidence, lift, count }) => ({ antecedent, consequent, support, confidence, lift, count })),
    }, null, 2)}\n`;
  }
  if (flags.csv === true) return flags.itemsets === true ? itemsetsCsv(mined.itemsets) : rulesCsv(mined.rules);
  return flags.itemsets === true ? itemsetsTable(mined) : rulesTable(mined);
}

/** Sets as arules prints them: {a,b}. */
function braces(items: readonly string[]): string {
  return `{${items.join(',')}}`;
}

/** RFC 4180: quote a cell that holds a comma, a quote or a line break; double the quotes. */
function cell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function rulesCsv(rules: readonly AssociationRule[]): string {
  const rows = rules.map((r) => [braces(r.antecedent), braces(r.consequent), r.support, r.confidence, r.lift, r.count].map(cell).join(','));
  return `${['antecedent,consequent,support,confidence,lift,count', ...rows].join('\n')}\n`;
}

function itemsetsCsv(itemsets: readonly Itemset[]): string {
  const rows = itemsets.map((s) => [braces(s.items), s.support, s.count].map(cell).join(','));
  return `${['items,support,count', ...rows].join('\n')}\n`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: readonly string[]): string => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function rulesTable(mined: MinedRules): string {
  const rows = mined.rules.map((r) => [braces(r.antecedent), `=> ${braces(r.consequent)}`, r.support.toFixed(4), r.confidence.toFixed(4), r.lift.toFixed(3), String(r.count)]);
  return `${mined.rules.length} rules from ${mined.baskets} baskets (${mined.itemsets.length} frequent itemsets)\n\n${table(['antecedent', 'consequent', 'support', 'confidence', 'lift', 'count'], rows)}\n`;
}

function itemsetsTable(mined: MinedRules): string {
  const rows = mined.itemsets.map((s) => [braces(s.items), '', s.support.toFixed(4), String(s.count)]);
  return `${mined.itemsets.length} frequent itemsets from ${mined.baskets} baskets\n\n${table(['items', '', 'support', 'count'], rows)}\n`;
}
