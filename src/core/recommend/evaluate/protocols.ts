import type { Random } from '../../common/random.js';
import type { Interaction, InteractionData } from '../Recommender.js';
import { userItems } from '../userItems.js';
import type { EvaluationCase, EvaluationSplit } from './EvaluationCase.js';

/** Python's round(): halves to even, as the reference split (Microsoft Recommenders' python_stratified_split) rounds. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The interactions whose (user, item) pair is in `keep`, in their original order. */
function keepPairs(data: InteractionData, keep: readonly ReadonlySet<number>[]): InteractionData {
  const interactions: Interaction[] = data.interactions.filter((x) => keep[x.user]!.has(x.item));
  return { userIds: data.userIds, itemIds: data.itemIds, interactions };
}

/**
 * Per-user stratified random split: each user's distinct items are shuffled (Fisher-Yates with
 * `random`) and the first round(trainShare x n) go to training, the rest to test. Every user
 * with a test item is a case; training items are removed from the ranking.
 */
export function splitPerUser(data: InteractionData, random: Random, trainShare = 0.75): EvaluationSplit {
  if (!(trainShare > 0 && trainShare < 1)) throw new RangeError(`splitPerUser: trainShare must be in (0, 1), got ${trainShare}`);
  const lists = userItems(data);
  const trainSets: Set<number>[] = [];
  const cases: EvaluationCase[] = [];
  lists.forEach((items, user) => {
    const shuffled = [...items];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random.next() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const cut = roundHalfEven(trainShare * shuffled.length);
    const train = new Set(shuffled.slice(0, cut));
    trainSets.push(train);
    const test = shuffled.slice(cut);
    if (test.length === 0) return;
    // The history keeps the time order of the user's items.
    const history = items.filter((item) => train.has(item));
    cases.push({ history, user: user, exclude: train, relevant: new Set(test), relevantCount: test.length });
  });
  return { train: keepPairs(data, trainSets), cases };
}

/**
 * Leave the last one out: each user's most recent distinct item is the test item, the rest is
 * training; the ranking is over the full catalog less the training items. Users with fewer
 * than two distinct items are not cases (nothing to learn from) but stay in training.
 */
export function leaveLastOut(data: InteractionData): EvaluationSplit {
  const lists = userItems(data);
  const trainSets: Set<number>[] = [];
  const cases: EvaluationCase[] = [];
  const lastTime = new Map<number, number>();
  for (const x of data.interactions) {
    const key = x.user * data.itemIds.length + x.item;
    lastTime.set(key, Math.max(lastTime.get(key) ?? -Infinity, x.time));
  }
  lists.forEach((items, user) => {
    if (items.length < 2) {
      trainSets.push(new Set(items));
      return;
    }
    // The item whose latest interaction is latest (a re-watched first item can be the last one).
    let last = items[items.length - 1]!;
    for (const item of items) {
      const at = lastTime.get(user * data.itemIds.length + item)!;
      if (at > lastTime.get(user * data.itemIds.length + last)!) last = item;
    }
    const history = items.filter((item) => item !== last);
    const train = new Set(history);
    trainSets.push(train);
    cases.push({ history, user, exclude: train, relevant: new Set([last]), relevantCount: 1 });
  });
  return { train: keepPairs(data, trainSets), cases };
}

/**
 * A given train/test split: every user with test items is a case. Test items absent from the
 * training data cannot be ranked but count in recall and MAP; the user's training items are
 * removed from the ranking (a test item the user also has in training can therefore not be hit).
 * A user absent from training is a case with an empty history.
 */
export function givenSplit(train: InteractionData, test: readonly { readonly user: string; readonly item: string }[]): EvaluationSplit {
  const userIndex = new Map(train.userIds.map((id, index) => [id, index]));
  const itemIndex = new Map(train.itemIds.map((id, index) => [id, index]));
  const lists = userItems(train);
  const testItems = new Map<string, Set<string>>();
  for (const { user, item } of test) {
    let items = testItems.get(user);
    if (items === undefined) testItems.set(user, (items = new Set()));
    items.add(item);
  }
  const cases: EvaluationCase[] = [];
  for (const [userId, items] of testItems) {
    const user = userIndex.get(userId);
    const history = user === undefined ? [] : lists[user]!;
    const relevant = new Set<number>();
    for (const id of items) {
      const item = itemIndex.get(id);
      if (item !== undefined) relevant.add(item);
    }
    cases.push({ history, user, exclude: new Set(history), relevant, relevantCount: items.size });
  }
  return { train, cases };
}

/**
 * Session next-item (Ludewig, Latifi and Jannach): the test sessions' clicks on items unseen in
 * training are dropped (not predictable), sessions left with fewer than two clicks are dropped,
 * and every position of each remaining session is a case: the clicks so far predict the next
 * one (HR@k is the hit rate, MRR@k the mean reciprocal rank). Nothing is excluded: a session
 * may return to an item.
 */
export function sessionNextItem(train: InteractionData, testSessions: readonly (readonly string[])[]): EvaluationSplit {
  const itemIndex = new Map(train.itemIds.map((id, index) => [id, index]));
  const cases: EvaluationCase[] = [];
  for (const session of testSessions) {
    const clicks: number[] = [];
    for (const id of session) {
      const item = itemIndex.get(id);
      if (item !== undefined) clicks.push(item);
    }
    for (let position = 1; position < clicks.length; position++) {
      cases.push({ history: clicks.slice(0, position), relevant: new Set([clicks[position]!]), relevantCount: 1 });
    }
  }
  return { train, cases };
}
