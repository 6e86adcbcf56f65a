import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Clock } from '../../core/common/ports.js';
import { ActionDefinition, DecisionId } from '../../core/decide/ActionDefinition.js';
import { PlacementDefinition } from '../../core/decide/PlacementDefinition.js';
import { AttuneError } from '../../core/errors/AttuneError.js';
import type { DecisionAdmin } from '../../decide/DecisionAdmin.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { workspaceIdOf } from '../actor.js';
import { SendTimeService } from '../../decide/SendTimeService.js';
import { ActionPreviewRequest, ActionPreviewView, ActionView, ArmEstimatesView, PlacementView, SendTimeQuery, SendTimeView } from '../../api/decideSchemas.js';
import { compileAction, decisionRuleSchema, shadowKey } from '../../core/decide/compileDecisionModel.js';
import { previewAction } from '../../core/decide/previewAction.js';
import { armEstimates, revenueEstimates } from '../../core/bandits/armEstimates.js';
import type { BanditAllocations } from '../../decide/BanditAllocations.js';
import type { ContextualBandits } from '../../decide/ContextualBandits.js';
import { PropensityReportView } from '../../api/propensitySchemas.js';
import type { DecisionModels } from '../../decide/DecisionModels.js';
import { problemResponses } from '../../api/schemas.js';
import type { LiveStore } from '../../profiles/LiveStore.js';
import type { AuditRecorder } from '../../core/audit/AuditRecorder.js';
import { PolicyEvaluationRequest, PolicyEvaluationView, PromotionReport, PromotionRequest } from '../../api/opeSchemas.js';
import { parseCandidatePolicy } from '../../core/ope/decisionLogFeedback.js';
import { evaluatePlacementPolicy } from '../../decide/evaluatePlacementPolicy.js';
import { promoteShadow, type PromotionOptions } from '../../decide/promoteShadow.js';

export interface DecisionAdminRoutesOptions {
  readonly workspaces: WorkspaceService;
  /** The engine's: every change of actions and placements goes through it. */
  readonly admin: DecisionAdmin;
  /** Read only here: outcomes, recorded decisions, best send time. */
  readonly store: LiveStore;
  readonly clock: Clock;
  /** The allocations in force, for the arms report. */
  readonly bandits: BanditAllocations;
  /** The learned models, for the propensity calibration report. */
  readonly contextual: ContextualBandits;
  readonly decisionModels: DecisionModels;
  /** Records each read of a person's recorded decisions. */
  readonly audit: AuditRecorder;
}

const errors = problemResponses(400, 401, 403, 404, 409, 503);
const secret = [{ secretKeyBearer: [] }];
const actions = { tags: ['actions'], security: secret };
const placements = { tags: ['placements'], security: secret };
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) });
/** A definition's id must be one that actions and decide calls can name. */
const DefinitionParams = Type.Object({ id: DecisionId });
/** The opt-in for an action naming placements that are created later (else such a name is taken for a typo). */
const ActionQuery = Type.Object({
  allowUnknownPlacements: Type.Optional(Type.Boolean({ description: 'Save an action naming placements that do not exist yet (listed in its problems until they do); without it, an unknown placement is a 400 with a "did you mean" hint' })),
}, { additionalProperties: false });
type ActionQuery = Static<typeof ActionQuery>;
const ActionBody = Type.Evaluate(Type.Partial(ActionDefinition, { additionalProperties: false }));
const PlacementBody = Type.Evaluate(Type.Partial(PlacementDefinition, { additionalProperties: false }));
const ActionChange = Type.Object({ status: Type.Union([Type.Literal('created'), Type.Literal('updated')]), action: ActionView }, { title: 'ActionChange' });
const PlacementChange = Type.Object({ status: Type.Union([Type.Literal('created'), Type.Literal('updated')]), placement: PlacementView }, { title: 'PlacementChange' });
const Outcome = Type.Object({
  actionId: Type.String(), placementId: Type.String(), impressions: Type.Integer(), clicks: Type.Integer(), dismisses: Type.Integer(),
  conversions: Type.Integer(), conversionValue: Type.Number(), clickThroughRate: Type.Union([Type.Number(), Type.Null()]),
});
const RecordedDecision = Type.Object({
  decisionId: Type.String(), placementId: Type.String(), actionId: Type.Union([Type.String(), Type.Null()]), variant: Type.Union([Type.String(), Type.Null()]),
  score: Type.Union([Type.Number(), Type.Null()]), probability: Type.Number(), fallback: Type.Union([Type.String(), Type.Null()]),
  segments: Type.Array(Type.String()), reasons: Type.Unknown(), at: Type.String(),
});

/** Decisions an evaluation reads at most: the bootstrap is O(decisions × resamples) on the event loop. */
const policyEvaluationLimit = 100_000;

/** The settings an evaluation and a promotion share, from their body: the range, the outcome window, the bootstrap. */
function evaluationSettings(body: PromotionRequest, now: number, closedWindows = false): PromotionOptions {
  const windowMillis = (body.windowHours ?? 24) * 3_600_000;
  const since = body.since === undefined ? 0 : Date.parse(body.since);
  // A promotion reads by default only decisions whose outcome window has closed: one still open reads low.
  const until = body.until !== undefined ? Date.parse(body.until) : closedWindows ? now - windowMillis : now + 1;
  if (!(since < until)) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'since must come before until', field: 'body/since' });
  return {
    reward: body.reward ?? 'click', since, until, now,
    windowMillis, resamples: body.bootstrap ?? 1000, seed: body.seed ?? 1, limit: policyEvaluationLimit,
  };
}

/** The body of a PUT names its definition by the path; a different id in the body is a mistake. */
function withId<T extends { id?: string | undefined }>(pathId: string, body: T): T & { id: string } {
  if (body.id !== undefined && body.id !== pathId) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `body/id "${body.id}" differs from the path's "${pathId}"`, field: 'body/id' });
  }
  return { ...body, id: pathId };
}

/** The full definition a PUT body must give (the id comes from the path). */
function requireMembers(body: Record<string, unknown>, members: readonly string[]): void {
  for (const member of members) {
    if (body[member] === undefined) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `body must have required property '${member}'`, field: `body/${member}` });
  }
}

/**
 * Actions, placements, outcome counters and recorded decisions under /admin/v1 (secret key).
 * The work is DecisionAdmin's.
 */
export async function decisionAdminRoutes(app: FastifyInstance, options: DecisionAdminRoutesOptions): Promise<void> {
  const { admin } = options;

  app.get('/admin/v1/actions', {
    config: { access: 'config.read' },
    schema: { ...actions, summary: 'List the actions, each with the problems that keep it from being chosen now', response: { 200: Type.Array(ActionView), ...errors } },
  }, async (request) => admin.listActions(workspaceIdOf(request)));

  app.post('/admin/v1/actions/validate', {
    config: { access: 'config.read' },
    schema: { ...actions, summary: 'Check an action against the workspace (its rule, caps, schedule, placements), without saving it', querystring: ActionQuery, body: ActionDefinition, response: { 200: Type.Object({ valid: Type.Boolean(), problems: Type.Array(Type.String()) }), ...errors } },
  }, async (request) => ({ valid: true, problems: [...(await admin.validateAction(workspaceIdOf(request), request.body as ActionDefinition, request.query as ActionQuery))] }));

  app.post('/admin/v1/actions/preview', {
    // It fills the content with a person's traits, features and session: personal data.
    config: { access: 'personalData.read' },
    schema: {
      ...actions, body: ActionPreviewRequest, response: { 200: ActionPreviewView, ...errors },
      summary: 'Render an action (saved or not) for a profile in a locale, as a decision would render it, with whether its rule holds and its schedule is open; nothing is saved or recorded as a decision',
    },
  }, async (request) => {
    const workspaceId = workspaceIdOf(request);
    const body = request.body as ActionPreviewRequest;
    // The checks of the validate route: a rule that does not compile is a 400 with its caret.
    await admin.validateAction(workspaceId, body.action, { allowUnknownPlacements: true });
    const found = await options.store.profiles.findProfile(workspaceId, body.profileId, 0);
    const row = found === undefined ? undefined : await options.store.decisions.decisionProfile(workspaceId, found.id);
    if (row === undefined) throw new AttuneError('ATTUNE_PROFILE_NOT_FOUND', { detail: `no profile has the id "${body.profileId}"`, field: '/profileId' });
    const model = await options.decisionModels.get(workspaceId);
    const action = compileAction(body.action, decisionRuleSchema(model.knowledge));
    const context = { ...body.context, ...(body.locale === undefined ? {} : { locale: body.locale }) };
    const facts = { id: row.id, traits: row.traits, firstSeen: row.firstSeen, lastSeen: row.lastSeen };
    const preview = previewAction(model, action, { facts, knowledge: row.knowledge }, context, options.clock.now());
    await options.audit.read({ workspaceId, action: 'profile.previewed', profileId: row.id });
    return { profileId: row.id, ...preview };
  });

  app.get('/admin/v1/actions/:id', {
    config: { access: 'config.read' },
    schema: { ...actions, summary: 'An action', params: IdParams, response: { 200: ActionView, ...errors } },
  }, async (request) => admin.getAction(workspaceIdOf(request), (request.params as Static<typeof IdParams>).id));

  app.put('/admin/v1/actions/:id', {
    config: { access: 'config.write' },
    schema: { ...actions, summary: 'Create or replace an action; it applies to the next decision', params: DefinitionParams, querystring: ActionQuery, body: ActionBody, response: { 200: ActionChange, 201: ActionChange, ...errors } },
  }, async (request, reply) => {
    const body = request.body as Static<typeof ActionBody>;
    requireMembers(body, ['placements', 'variants']);
    const definition = withId((request.params as Static<typeof IdParams>).id, body) as ActionDefinition;
    const change = await admin.putAction(workspaceIdOf(request), definition, request.query as ActionQuery);
    return reply.status(change.status === 'created' ? 201 : 200).send(change);
  });

  app.delete('/admin/v1/actions/:id', {
    config: { access: 'config.write' },
    schema: { ...actions, summary: 'Delete an action', params: IdParams, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    await admin.deleteAction(workspaceIdOf(request), (request.params as Static<typeof IdParams>).id);
    return reply.status(204).send();
  });

  app.get('/admin/v1/placements', {
    config: { access: 'config.read' },
    schema: { ...placements, summary: 'List the placements with the actions that may fill each', response: { 200: Type.Array(PlacementView), ...errors } },
  }, async (request) => admin.listPlacements(workspaceIdOf(request)));

  app.get('/admin/v1/placements/:id', {
    config: { access: 'config.read' },
    schema: { ...placements, summary: 'A placement', params: IdParams, response: { 200: PlacementView, ...errors } },
  }, async (request) => admin.getPlacement(workspaceIdOf(request), (request.params as Static<typeof IdParams>).id));

  app.put('/admin/v1/placements/:id', {
    config: { access: 'config.write' },
    schema: { ...placements, summary: 'Create or replace a placement', params: DefinitionParams, body: PlacementBody, response: { 200: PlacementChange, 201: PlacementChange, ...errors } },
  }, async (request, reply) => {
    const body = request.body as Static<typeof PlacementBody>;
    requireMembers(body, ['channel', 'strategy']);
    const definition = withId((request.params as Static<typeof IdParams>).id, body) as PlacementDefinition;
    const change = await admin.putPlacement(workspaceIdOf(request), { ...definition, count: definition.count ?? 1, defaultContent: definition.defaultContent ?? null });
    return reply.status(change.status === 'created' ? 201 : 200).send(change);
  });

  app.delete('/admin/v1/placements/:id', {
    config: { access: 'config.write' },
    schema: { ...placements, summary: 'Delete a placement (its actions stay, and show the problem)', params: IdParams, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    await admin.deletePlacement(workspaceIdOf(request), (request.params as Static<typeof IdParams>).id);
    return reply.status(204).send();
  });

  const sendTimes = new SendTimeService({ reader: options.store.decisions, profiles: options.store.profiles, clock: options.clock });
  app.get('/v1/profiles/:id/best-send-time', {
    config: { access: 'personalData.read' },
    schema: {
      tags: ['decide'], security: secret, params: IdParams, querystring: SendTimeQuery,
      summary: 'The best hour to send to a profile (by user, anonymous or profile id) on a channel: its most engaged hour, smoothed toward the workspace\'s while it has little history',
      response: { 200: SendTimeView, ...errors },
    },
  }, async (request) => {
    const { id } = request.params as Static<typeof IdParams>;
    const { channel = 'email' } = request.query as Static<typeof SendTimeQuery>;
    const best = await sendTimes.bestSendTime(workspaceIdOf(request), id, channel);
    return { ...best, nextSendAt: new Date(best.nextSendAt).toISOString() };
  });

  app.get('/admin/v1/outcomes', {
    config: { access: 'reports.read' },
    schema: { ...actions, summary: 'Impressions, clicks, dismisses and conversions per action and placement, counted from interaction events', response: { 200: Type.Array(Outcome), ...errors } },
  }, async (request) => (await options.store.decisions.outcomes(workspaceIdOf(request))).map((o) => ({
    ...o, clickThroughRate: o.impressions === 0 ? null : o.clicks / o.impressions,
  })));

  app.get('/admin/v1/placements/:id/arms', {
    config: { access: 'reports.read' },
    schema: {
      ...placements, params: IdParams, response: { 200: ArmEstimatesView, ...errors },
      summary: 'Each action\'s click rate and revenue in a placement, naive (per impression) and inverse-propensity-weighted from the recorded decisions and their probabilities (unbiased under a bandit\'s adaptive allocation), with the bandit allocation in force',
    },
  }, async (request) => {
    const workspaceId = workspaceIdOf(request);
    const { id } = request.params as Static<typeof IdParams>;
    const placement = await admin.getPlacement(workspaceId, id);
    const [weights, outcomes, detail] = await Promise.all([
      options.store.decisions.armWeights(workspaceId, id),
      options.store.decisions.outcomes(workspaceId),
      placement.strategy.kind === 'thompson'
        ? options.decisionModels.get(workspaceId).then((model) => options.bandits.detailFor(workspaceId, model, id))
        : Promise.resolve(undefined),
    ]);
    const counters = outcomes.filter((o) => o.placementId === id);
    const revenue = new Map(revenueEstimates(weights, counters).map((r) => [r.actionId, r]));
    const arms = armEstimates(weights, counters).map((arm) => {
      const { actionId: _, ...armRevenue } = revenue.get(arm.actionId)!;
      return {
        ...arm,
        revenue: armRevenue,
        share: detail?.shares.get(arm.actionId) ?? null,
        bestProbability: detail?.bestProbabilities.get(arm.actionId) ?? null,
        posterior: detail?.posteriors?.get(arm.actionId) ?? null,
      };
    });
    return {
      placementId: id,
      strategy: placement.strategy.kind,
      decisions: weights.reduce((sum, w) => sum + w.decisions, 0),
      caveat: 'An allocation that adapts to outcomes (a bandit) shows an action more after it did well, so the naive rate carries the luck that made it look good, and so does the naive revenue per impression. '
        + 'The weighted estimates divide each click, and each decision\'s revenue, by the probability recorded with its decision; they need every decision recorded (ATTUNE_DECISION_SAMPLE_RATE 1) and clicks and conversions that name their decisionId.',
      allocation: detail === undefined ? null : {
        reward: detail.reward,
        computedAt: new Date(detail.computedAt).toISOString(),
        probabilities: detail.monteCarlo === null ? 'exact' as const : 'monteCarlo' as const,
        monteCarlo: detail.monteCarlo,
      },
      arms,
    };
  });

  app.get('/admin/v1/placements/:id/propensity', {
    config: { access: 'reports.read' },
    schema: {
      ...placements, params: IdParams, response: { 200: PropensityReportView, ...errors },
      summary: 'The calibration of the placement\'s learned propensities (expected value with `propensity.kind: learned`, live and shadow): per action and over all, '
        + 'the reliability table, expected calibration error, Brier score and log loss of each impression\'s prediction made before it was learned',
    },
  }, async (request) => {
    const workspaceId = workspaceIdOf(request);
    const { id } = request.params as Static<typeof IdParams>;
    const placement = await admin.getPlacement(workspaceId, id);
    const model = await options.decisionModels.get(workspaceId);
    return {
      placementId: id,
      strategy: placement.strategy.kind,
      caveat: 'Progressive validation: each impression is scored by the model as it was before learning it, so the figures are out of sample. '
        + 'An impression counts as negative until its click or conversion arrives (within 24 hours), so the most recent ones lower the observed rate for a while.',
      models: await options.contextual.propensityReport(workspaceId, model, id),
    };
  });

  app.post('/admin/v1/placements/:id/evaluate', {
    config: { access: 'reports.read' },
    schema: {
      ...placements, params: IdParams, body: PolicyEvaluationRequest, response: { 200: PolicyEvaluationView, ...errors },
      summary: 'Off-policy evaluation: the click or conversion rate a candidate policy (uniform, or always one action) would have had, '
        + 'estimated from the placement\'s recorded decisions and their probabilities by IPW, SNIPW, DM and DR with bootstrap intervals',
    },
  }, async (request) => {
    const workspaceId = workspaceIdOf(request);
    const { id } = request.params as Static<typeof IdParams>;
    const body = request.body as PolicyEvaluationRequest;
    const placement = await admin.getPlacement(workspaceId, id);
    let policy = parseCandidatePolicy(body.policy, 'body/policy');
    if (policy.kind === 'shadow') {
      if (placement.shadow === undefined) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `placement "${id}" has no shadow strategy`, field: 'body/policy' });
      policy = { kind: 'shadow', key: shadowKey(placement.shadow) };
    }
    return evaluatePlacementPolicy(options.store.decisions, workspaceId, id, {
      ...evaluationSettings(body, options.clock.now()), policy, ...(body.clip === undefined ? {} : { clip: body.clip }),
    });
  });

  app.post('/admin/v1/placements/:id/promote', {
    config: { access: 'config.publish' },
    schema: {
      ...placements, params: IdParams, body: PromotionRequest, response: { 200: PromotionReport, ...errors },
      summary: 'Safe rollout: makes the placement\'s shadow strategy its strategy when the lower bound of the shadow\'s doubly robust estimate, '
        + 'from the decisions recorded with it, is above the current policy\'s value; otherwise 409 ATTUNE_PROMOTION_REFUSED with the same report. Cannot be forced',
    },
  }, async (request) => {
    const workspaceId = workspaceIdOf(request);
    const { id } = request.params as Static<typeof IdParams>;
    return promoteShadow({ admin, reader: options.store.decisions }, workspaceId, id, evaluationSettings(request.body as PromotionRequest, options.clock.now(), true));
  });

  app.get('/admin/v1/profiles/:id/decisions', {
    config: { access: 'personalData.read' },
    schema: {
      tags: ['profiles'], security: secret, params: IdParams,
      summary: 'Decisions recorded for a profile (by user, anonymous or profile id), newest first, with the segments it was in',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
      response: { 200: Type.Array(RecordedDecision), ...errors },
    },
  }, async (request) => {
    const workspaceId = workspaceIdOf(request);
    const { id } = request.params as Static<typeof IdParams>;
    const { limit = 100 } = request.query as { limit?: number };
    const profile = await options.store.profiles.findProfile(workspaceId, id, 0);
    if (profile === undefined) throw new AttuneError('ATTUNE_PROFILE_NOT_FOUND', { detail: `no profile has the id "${id}"` });
    // Decisions made for profiles that were later merged into this one are its history too.
    const records = await options.store.decisions.decisionsOf(workspaceId, [profile.id, ...profile.mergedProfileIds], limit);
    await options.audit.read({ workspaceId, action: 'profile.decisionsViewed', profileId: profile.id });
    return records.map((r) => ({
      decisionId: r.decisionId, placementId: r.placementId, actionId: r.actionId, variant: r.variant, score: r.score,
      probability: r.probability, fallback: r.fallback, segments: [...r.segments], reasons: r.reasons, at: new Date(r.at).toISOString(),
    }));
  });
}
