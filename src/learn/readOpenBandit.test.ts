import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AttuneError } from '../core/errors/AttuneError.js';
import { readOpenBandit } from './readOpenBandit.js';

const data = fileURLToPath(new URL('../../../shared/data/open-bandit/', import.meta.url));
const haveData = existsSync(join(data, 'bts', 'men', 'men.csv'));
const temp = mkdtempSync(join(tmpdir(), 'attune-obd-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function campaign(name: string, log: string, items = ',item_id,item_feature_0\n0,0,0.1\n1,1,0.2\n2,2,0.3\n'): string {
  const dir = join(temp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.csv`), log);
  writeFileSync(join(dir, 'item_context.csv'), items);
  return dir;
}

const header = ',timestamp,item_id,position,click,propensity_score,user_feature_0\n';

describe('readOpenBandit', () => {
  it('reads items as actions, clicks as rewards and positions 1-3 as 0-2', () => {
    const dir = campaign('men', `${header}0,2019-11-24,2,3,0,0.25,abc\n1,2019-11-24,0,1,1,0.5,def\n2,2019-11-24,1,2,0,,ghi\n`);
    expect(readOpenBandit(dir)).toEqual({
      campaign: 'men', nActions: 3, nPositions: 3,
      rounds: [
        { action: 2, position: 2, reward: 0, propensity: 0.25 },
        { action: 0, position: 0, reward: 1, propensity: 0.5 },
        { action: 1, position: 1, reward: 0, propensity: null },
      ],
    });
  });

  it('with context: user features one-hot (the first sorted value dropped), then the affinities', () => {
    const log = ',timestamp,item_id,position,click,propensity_score,user_feature_0,user_feature_1,user-item_affinity_0,user-item_affinity_1\n'
      + '0,t,0,1,0,0.5,b,x,0.0,2.0\n1,t,1,2,1,0.5,a,x,1.0,0.0\n2,t,2,3,0,0.5,c,x,0.0,0.0\n';
    const logs = readOpenBandit(campaign('women', log), { context: true });
    expect(logs.rounds.map((r) => r.context)).toEqual([[1, 0, 0, 2], [0, 0, 1, 0], [0, 1, 0, 0]]);
  });

  it.each([
    ['an item outside item_context.csv', `${header}0,t,3,1,0,0.5,a\n`, 'line 2: item_id'],
    ['a click that is not 0 or 1', `${header}0,t,1,1,2,0.5,a\n`, 'line 2: click'],
    ['a propensity above 1', `${header}0,t,1,1,0,1.5,a\n`, 'line 2: propensity_score'],
    ['no propensity column', ',timestamp,item_id,position,click\n0,t,1,1,0\n', 'no column propensity_score'],
  ])('refuses %s', (name, log, message) => {
    const dir = campaign(`bad-${name.replace(/\W+/g, '-')}`, log);
    expect(() => readOpenBandit(dir)).toThrow(AttuneError);
    expect(() => readOpenBandit(dir)).toThrow(message);
  });

  it('refuses a folder without the campaign files', () => {
    expect(() => readOpenBandit(join(temp, 'absent'))).toThrow(/cannot read the folder/);
  });

  it.skipIf(!haveData)('reads the sample of every campaign and policy (skips without ../shared/data/open-bandit)', () => {
    for (const [policy, name, items, ctr] of [['random', 'men', 34, 0.0046], ['random', 'women', 46, 0.0046], ['bts', 'men', 34, 0.0069], ['bts', 'women', 46, 0.0046]] as const) {
      const logs = readOpenBandit(join(data, policy, name));
      expect(logs.nActions).toBe(items);
      expect(logs.nPositions).toBe(3);
      expect(logs.rounds).toHaveLength(10_000);
      expect(logs.rounds.reduce((sum, r) => sum + r.reward, 0) / 10_000).toBeCloseTo(ctr, 10);
      if (policy === 'random') expect(new Set(logs.rounds.map((r) => r.propensity))).toEqual(new Set([1 / items]));
    }
    // Context: 4 user features of 3, 5, 9 and 9 values (men, bts) one-hot without their first value, then 34 affinities.
    const men = readOpenBandit(join(data, 'bts', 'men'), { context: true });
    expect(new Set(men.rounds.map((r) => r.context!.length))).toEqual(new Set([2 + 4 + 8 + 8 + 34]));
  });
});
