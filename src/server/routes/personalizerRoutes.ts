import type { FastifyInstance } from 'fastify';
import {
  PersonalizerEventParams, PersonalizerRankRequest, PersonalizerRankResponse, PersonalizerRewardRequest, RankEventList, RankEventQuery,
} from '../../api/personalizerSchemas.js';
import { problemResponses } from '../../api/schemas.js';
import type { PersonalizerService } from '../../learn/PersonalizerService.js';
import type { RankEventRecord } from '../../store/ports.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { workspaceIdOf } from '../actor.js';
import { jsonContentTypes } from '../jsonBody.js';
import { problemContentType } from '../problem.js';

export interface PersonalizerRoutesOptions {
  readonly workspaces: WorkspaceService;
  readonly personalizer: PersonalizerService;
}

/** The API versions whose single-slot calls are answered. */
export const personalizerVersions = ['v1.0', 'v1.1-preview.1', 'v1.1-preview.2', 'v1.1-preview.3'] as const;

const security: Record<string, string[]>[] = [{ subscriptionKey: [] }, { secretKeyBearer: [] }];
const doc = { tags: ['personalizer'], security };
const personalizerHint = 'send the workspace\'s secret key in the Ocp-Apim-Subscription-Key header (or as Authorization: Bearer <secretKey>)';
/** Personalizer's error codes (its ErrorResponse), by status. */
const personalizerCode = (status: number): string => (status === 404 ? 'ResourceNotFound' : status >= 500 ? 'InternalServerError' : 'BadRequest');

/**
 * Adds Personalizer's `error: { code, message }` to a problem document: its clients read that
 * member to build their exceptions, Attune's read `code`, `detail` and `field` beside it.
 */
function withPersonalizerError(payload: string): string {
  const problem = JSON.parse(payload) as { status: number; title: string; detail?: string; field?: string };
  const error = { code: personalizerCode(problem.status), message: problem.detail ?? problem.title, ...(problem.field === undefined ? {} : { target: problem.field }) };
  return JSON.stringify({ ...problem, error });
}

const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString());

function eventView(event: RankEventRecord): RankEventList['events'][number] {
  const excluded = new Set(event.excludedActions);
  return {
    eventId: event.eventId,
    contextFeatures: [...event.context],
    actions: event.actions.map((a, i) => ({ id: a.id, features: [...a.features], probability: event.probabilities[i] ?? 0, excluded: excluded.has(a.id) })),
    rewardActionId: event.chosenActionId,
    rankedAt: new Date(event.rankedAt).toISOString(),
    activatedAt: iso(event.activatedAt),
    reward: event.reward,
    rewardSource: event.rewardSource,
    rewardedAt: iso(event.rewardedAt),
    learned: event.learnedSeq !== null,
  };
}

/**
 * Microsoft Personalizer's rank-and-reward API (REST v1.0) at its own paths, so that its
 * clients work when pointed at Attune: rank (201), reward and activate (204). The workspace's
 * secret key authenticates, in the `Ocp-Apim-Subscription-Key` header as those clients send it;
 * the write key is refused (403, permission personalizer.rank): it is public, and rewards train the model. Beside them, the
 * logged events for off-policy evaluation under /admin/v1. The work is PersonalizerService's.
 */
export async function personalizerRoutes(app: FastifyInstance, options: PersonalizerRoutesOptions): Promise<void> {
  const { personalizer } = options;
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    return typeof payload === 'string' && typeof type === 'string' && type.startsWith(problemContentType) ? withPersonalizerError(payload) : payload;
  });

  // v1.0's paths, and the same calls at the preview versions' paths, which Azure's later client
  // libraries call (their single-slot rank, reward and activate have v1.0's shapes).
  for (const version of personalizerVersions) {
    app.post(`/personalizer/${version}/rank`, {
      config: { access: 'personalizer.rank', authHint: personalizerHint },
      schema: {
        ...doc,
        summary: `Personalizer Rank (${version}): choose the action to show for a context; 201 with the ranking, each action's probability and the event id to reward`,
        body: PersonalizerRankRequest,
        response: { 201: PersonalizerRankResponse, ...problemResponses(400, 401, 403, 409, 413, 415, 503) },
      },
    }, async (request, reply) => {
      const answer = await personalizer.rank(workspaceIdOf(request), request.body as PersonalizerRankRequest);
      return reply.status(201).send(answer);
    });

    app.post(`/personalizer/${version}/events/:eventId/reward`, {
      config: { access: 'personalizer.rank', authHint: personalizerHint },
      schema: {
        ...doc,
        summary: `Personalizer Reward (${version}): the reward of the event's chosen action; the earliest counts, and the model learns it once the event is active`,
        params: PersonalizerEventParams,
        body: PersonalizerRewardRequest,
        response: { 204: { description: 'Recorded (or ignored: the event has a reward already)', type: 'null' }, ...problemResponses(400, 401, 403, 404, 415, 503) },
      },
    }, async (request, reply) => {
      const { eventId } = request.params as PersonalizerEventParams;
      await personalizer.reward(workspaceIdOf(request), eventId, (request.body as PersonalizerRewardRequest).value);
      return reply.status(204).send();
    });
  }

  // Activate takes no body; some clients label the nothing they send as JSON, which the
  // server's parser refuses as empty. In their own scope, whatever comes is ignored.
  await app.register(async (activation) => {
    activation.removeContentTypeParser([...jsonContentTypes]);
    activation.addContentTypeParser([...jsonContentTypes], { parseAs: 'string' }, (_request, _body, done) => done(null, undefined));
    for (const version of personalizerVersions) {
      activation.post(`/personalizer/${version}/events/:eventId/activate`, {
        config: { access: 'personalizer.rank', authHint: personalizerHint },
        schema: {
          ...doc,
          summary: `Personalizer Activate (${version}): the deferred event was shown; from now on it learns its reward (or the default reward after the wait time)`,
          params: PersonalizerEventParams,
          response: { 204: { description: 'Activated (or active already)', type: 'null' }, ...problemResponses(400, 401, 403, 404, 503) },
        },
      }, async (request, reply) => {
        const { eventId } = request.params as PersonalizerEventParams;
        await personalizer.activate(workspaceIdOf(request), eventId);
        return reply.status(204).send();
      });
    }
  });

  app.get('/admin/v1/personalizer/events', {
    config: { access: 'personalData.read' },
    schema: {
      ...doc,
      summary: 'The logged rank events, newest first, with every action\'s probability, the reward and whether the model learned it: the data off-policy evaluation reads',
      querystring: RankEventQuery,
      response: { 200: RankEventList, ...problemResponses(400, 401, 403, 503) },
    },
  }, async (request) => {
    const { limit = 100, before } = request.query as RankEventQuery;
    const events = await personalizer.events(workspaceIdOf(request), limit, before);
    return { events: events.map(eventView), next: events.length === limit ? events[events.length - 1]!.eventId : null };
  });
}
