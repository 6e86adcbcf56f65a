import { Type } from 'typebox';

/**
 * The shapes of GET /admin/v1/recommend/rules: frequent itemsets and association rules of a
 * workspace's orders, in the shape `attune eval rules --json` prints (docs/recommend.md).
 */

/**
 * The bounds on one request's work: at most `maxOrders` orders (the most recent of the
 * window) are read, and mining stops with a 400 naming `minSupport` when the frequent
 * itemsets and the next level's candidates pass `maxItemsets`.
 */
export const orderRulesLimits = {
  maxOrders: 100_000,
  maxItemsets: 250_000,
  maxLength: 6,
  maxDays: 3650,
  maxListed: 10_000,
} as const;

export const RulesQuery = Type.Object({
  minSupport: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'An itemset is frequent when its share of orders is at least this, in (0, 1]' }),
  minConfidence: Type.Number({ minimum: 0, maximum: 1, description: 'A rule X => {y} is kept when count(X and y) / count(X) is at least this, in [0, 1]' }),
  minLength: Type.Optional(Type.Integer({ minimum: 1, maximum: orderRulesLimits.maxLength, default: 1, description: 'Fewest items of a rule (antecedent and consequent together) and of a listed itemset; 1 allows {} => {y}' })),
  maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: orderRulesLimits.maxLength, default: orderRulesLimits.maxLength, description: `Most items of a rule or an itemset (default and at most ${orderRulesLimits.maxLength})` })),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: orderRulesLimits.maxDays, default: 90, description: 'Read the orders received in the last this many days' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: orderRulesLimits.maxListed, default: 1000, description: 'Most itemsets and most rules listed (the first by their order)' })),
});

const Items = Type.Array(Type.String(), { description: 'Item ids, in code-unit order' });

export const RulesReport = Type.Object(
  {
    baskets: Type.Integer({ description: 'Orders read as baskets: Order Completed events naming at least one product id' }),
    since: Type.String({ description: 'Orders received from this time on were read (ISO 8601)' }),
    ordersWithoutItems: Type.Integer({ description: 'Orders of the window naming no product id: not baskets' }),
    ordersLeftOut: Type.Integer({ description: `Older orders of the window left out: at most ${orderRulesLimits.maxOrders} (the most recent) are read` }),
    itemsetCount: Type.Integer({ description: 'Frequent itemsets of at least minLength items, before `limit`' }),
    ruleCount: Type.Integer({ description: 'Rules found, before `limit`' }),
    itemsets: Type.Array(Type.Object({
      items: Items,
      support: Type.Number({ description: 'count / baskets' }),
      count: Type.Integer(),
    }), { description: 'By length, then support (highest first), then items' }),
    rules: Type.Array(Type.Object({
      antecedent: Items,
      consequent: Items,
      support: Type.Number({ description: 'count(X and y) / baskets' }),
      confidence: Type.Number({ description: 'count(X and y) / count(X)' }),
      lift: Type.Number({ description: 'confidence / support(y)' }),
      count: Type.Integer(),
    }), { description: 'By lift, then confidence, then support (highest first), then items' }),
  },
  { title: 'RulesReport', description: 'Frequent itemsets and association rules of the workspace\'s orders, as R\'s arules apriori defines them' },
);
