import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { orderRulesLimits, RulesQuery, RulesReport } from '../../api/ruleSchemas.js';
import { problemResponses } from '../../api/schemas.js';
import { AttuneError } from '../../core/errors/AttuneError.js';
import type { OrderRulesService } from '../../recommend/OrderRules.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { workspaceIdOf } from '../actor.js';

export interface RecommendAdminRoutesOptions {
  readonly workspaces: WorkspaceService;
  readonly orderRules: OrderRulesService;
}

/**
 * The recommenders' administration under /admin/v1 (secret key): the association rules of
 * the workspace's orders, mined on request (OrderRulesService), in the shape of `attune eval
 * rules --json`.
 */
export async function recommendAdminRoutes(app: FastifyInstance, options: RecommendAdminRoutesOptions): Promise<void> {

  app.get('/admin/v1/recommend/rules', {
    config: { access: 'reports.read' },
    schema: {
      tags: ['recommend'], security: [{ secretKeyBearer: [] }],
      summary: `Frequent itemsets and association rules (support, confidence, lift) of the workspace's Order Completed events, as R's arules apriori defines them; at most ${orderRulesLimits.maxOrders} orders read and ${orderRulesLimits.maxItemsets} itemsets mined (else 400 on minSupport)`,
      querystring: RulesQuery, response: { 200: RulesReport, ...problemResponses(400, 401, 403, 503) },
    },
  }, async (request) => {
    const { minSupport, minConfidence, minLength = 1, maxLength = orderRulesLimits.maxLength, days = 90, limit = 1000 } = request.query as Static<typeof RulesQuery>;
    const mined = await options.orderRules.mine(workspaceIdOf(request), { minSupport, minConfidence, minLength, maxLength, days }).catch((error: unknown) => {
      // The core names its options; the answer names them as the schema's faults do.
      if (error instanceof AttuneError && error.field !== undefined && error.field in RulesQuery.properties) {
        throw new AttuneError(error.code, { detail: error.detail ?? error.message, field: `querystring/${error.field}`, cause: error });
      }
      throw error;
    });
    return {
      baskets: mined.baskets,
      since: new Date(mined.since).toISOString(),
      ordersWithoutItems: mined.ordersWithoutItems,
      ordersLeftOut: mined.ordersLeftOut,
      itemsetCount: mined.itemsets.length,
      ruleCount: mined.rules.length,
      itemsets: mined.itemsets.slice(0, limit).map(({ items, support, count }) => ({ items, support, count })),
      rules: mined.rules.slice(0, limit).map(({ antecedent, consequent, support, confidence, lift, count }) => ({ antecedent, consequent, support, confidence, lift, count })),
    };
  });
}
