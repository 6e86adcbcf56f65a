import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sharedData } from '../support/sharedData.js';
import { killChildren, makeTempDir, removeTempDirs, runAttune } from './support.js';

const groceries = sharedData('groceries/groceries.csv');

interface Printed {
  baskets: number;
  itemsets: { items: string[]; support: number; count: number }[];
  rules: { antecedent: string[]; consequent: string[]; support: number; confidence: number; lift: number; count: number }[];
}

describe('attune eval rules', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  it('prints itemsets and rules as JSON, CSV and a table', { timeout: 60_000 }, async () => {
    const file = join(makeTempDir(), 'baskets.csv');
    writeFileSync(file, 'a,b,c\na,b\na,c\nb,c\na\n');
    const base = ['eval', 'rules', '--baskets', file, '--min-support', '0.4', '--min-confidence', '0.6', '--min-length', '2'];
    const [json, csv, itemsetsCsv, text] = await Promise.all([
      runAttune([...base, '--json']), runAttune([...base, '--csv']), runAttune([...base, '--csv', '--itemsets']), runAttune(base),
    ]);
    expect(json.code, json.stderr).toBe(0);
    const printed = JSON.parse(json.stdout) as Printed;
    expect(printed.itemsets.map((s) => s.items)).toEqual([['a', 'b'], ['a', 'c'], ['b', 'c']]);
    expect(printed.itemsets[0]).toEqual({ items: ['a', 'b'], support: 0.4, count: 2 });
    expect(printed.rules.map((r) => `${r.antecedent.join('+')}=>${r.consequent.join('+')}`)).toEqual(['b=>c', 'c=>b', 'b=>a', 'c=>a']);
    expect(printed.rules[0]).toEqual({ antecedent: ['b'], consequent: ['c'], support: 0.4, confidence: 2 / 3, lift: 10 / 9, count: 2 });
    expect(csv.stdout.split('\n').slice(0, 2)).toEqual(['antecedent,consequent,support,confidence,lift,count', `{b},{c},0.4,${2 / 3},${10 / 9},2`]);
    expect(itemsetsCsv.stdout).toBe('items,support,count\n"{a,b}",0.4,2\n"{a,c}",0.4,2\n"{b,c}",0.4,2\n');
    expect(text.stdout).toContain('4 rules from 5 baskets');
    expect(text.stdout).toMatch(/\{b\}\s+=> \{c\}\s+0\.4000\s+0\.6667\s+1\.111\s+2/);
  });

  it.each([
    [['--min-support', '0', '--min-confidence', '0.5'], '--min-support'],
    [['--min-support', 'x', '--min-confidence', '0.5'], '--min-support'],
    [['--min-support', '0.1', '--min-confidence', '2'], '--min-confidence'],
    [['--min-support', '0.1', '--min-confidence', '0.5', '--min-length', '0'], '--min-length'],
    [['--min-support', '0.1', '--min-confidence', '0.5', '--json', '--csv'], '--csv'],
  ])('exits 2 on a usage error: %j', { timeout: 60_000 }, async (args, flag) => {
    const file = join(makeTempDir(), 'baskets.csv');
    writeFileSync(file, 'a,b\n');
    const result = await runAttune(['eval', 'rules', '--baskets', file, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ATTUNE_INVALID_REQUEST');
    expect(result.stderr).toContain(flag);
  });

  it('exits 2 when the basket file is missing or not named', { timeout: 60_000 }, async () => {
    const [missing, unnamed] = await Promise.all([
      runAttune(['eval', 'rules', '--baskets', join(makeTempDir(), 'none.csv'), '--min-support', '0.1', '--min-confidence', '0.5']),
      runAttune(['eval', 'rules', '--min-support', '0.1', '--min-confidence', '0.5']),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--baskets');
    expect(unnamed.code).toBe(2);
  });

  if (groceries.path === null) it.skip(groceries.skipReason, () => {});
  it.skipIf(groceries.path === null)('finds arules\' 15 rules on Groceries at support 0.01, confidence 0.5', { timeout: 60_000 }, async () => {
    const result = await runAttune(['eval', 'rules', '--baskets', groceries.path!, '--min-support', '0.01', '--min-confidence', '0.5', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as Printed;
    expect(printed.baskets).toBe(9835);
    expect(printed.rules).toHaveLength(15);
    expect(printed.rules[0]).toMatchObject({ antecedent: ['citrus fruit', 'root vegetables'], consequent: ['other vegetables'], count: 102 });
  });
});
