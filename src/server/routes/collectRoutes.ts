import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Collector, CollectReport } from '../../collect/Collector.js';
import { AttuneError } from '../../core/errors/AttuneError.js';
import { callSchemas, BatchRequest } from '../../core/events/eventSchemas.js';
import { callTypes, shortCallRoutes, type CallType } from '../../core/events/callTypes.js';
import type { JsonObject } from '../../core/events/CollectedEvent.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { collectCallerFor } from '../../workspaces/checkCallIdentity.js';
import { callSourceOf } from '../actor.js';
import { acceptFormLabelledJson } from '../jsonBody.js';
import { CollectResponse, problemResponses } from '../../api/schemas.js';

/** Segment's limits. */
export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 2500;
const MAX_SINGLE_BYTES = 32 * 1024;

export interface CollectRoutesOptions {
  readonly collector: Collector;
  readonly workspaces: WorkspaceService;
}

/** Global Privacy Control (https://privacycg.github.io/gpc-spec/): the browser's opt-out of sale and sharing. */
export function gpc(request: FastifyRequest): boolean {
  return request.headers['sec-gpc'] === '1';
}

function objectOrNull(value: unknown): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

/**
 * A batch-level member of the wrong type, if any. They apply to every event of the batch,
 * so the request, not one event, is at fault (an unparsable sentAt string is still
 * reported per event, by the pipeline).
 */
function wrongBatchMember(body: JsonObject): { field: string; expected: string } | null {
  const sentAt = body['sentAt'];
  if (sentAt !== undefined && sentAt !== null && typeof sentAt !== 'string') return { field: '/sentAt', expected: 'an ISO 8601 date-time string' };
  for (const member of ['context', 'integrations']) {
    const value = body[member];
    if (value !== undefined && value !== null && objectOrNull(value) === null) return { field: `/${member}`, expected: 'an object' };
  }
  return null;
}

const errorResponses = problemResponses(400, 401, 403, 413, 415, 429, 503);

// Each event is validated on its own, so that one bad event does not cost the others; the
// route schemas document the API (and /openapi.json) but Fastify does not enforce them.
const documentOnly = () => () => true;

/**
 * Answers a collect call. All valid: 200. Some rejected: 400 problem+json listing each
 * rejected index and why, with the count of events that were stored all the same.
 */
function answer(reply: FastifyReply, report: CollectReport, single: boolean): FastifyReply | never {
  const suppressed = report.suppressed > 0 ? { suppressed: report.suppressed } : {};
  if (report.rejected.length === 0) return reply.send({ success: true, accepted: report.accepted, duplicates: report.duplicates, ...suppressed });
  const extensions = { accepted: report.accepted, duplicates: report.duplicates, ...suppressed };
  const first = report.rejected[0]!;
  if (single) throw new AttuneError(first.code, { detail: first.message, ...(first.field === undefined ? {} : { field: first.field }), extensions });
  throw new AttuneError('ATTUNE_INVALID_EVENTS', {
    detail: `${report.rejected.length} of ${report.rejected.length + report.accepted + report.duplicates} events were rejected; the others were stored`,
    errors: report.rejected,
    extensions,
  });
}

export async function collectRoutes(app: FastifyInstance, options: CollectRoutesOptions): Promise<void> {
  const { collector, workspaces } = options;
  acceptFormLabelledJson(app);
  async function single(type: CallType, request: FastifyRequest, reply: FastifyReply) {
    const source = callSourceOf(request);
    const caller = await collectCallerFor(workspaces, source);
    const report = await collector.collect(source.workspace, { events: [request.body], routeType: type, caller, globalPrivacyControl: gpc(request) });
    return answer(reply, report, true);
  }

  async function batch(request: FastifyRequest, reply: FastifyReply) {
    const source = callSourceOf(request);
    const body = objectOrNull(request.body);
    if (body === null || !Array.isArray(body['batch'])) {
      throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'a batch is an object with a "batch" array of events', field: '/batch' });
    }
    const wrong = wrongBatchMember(body);
    if (wrong !== null) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the batch's ${wrong.field.slice(1)} must be ${wrong.expected}`, field: wrong.field });
    const events = body['batch'] as unknown[];
    if (events.length > MAX_BATCH_EVENTS) {
      throw new AttuneError('ATTUNE_BATCH_TOO_MANY_EVENTS', { detail: `${events.length} events; send at most ${MAX_BATCH_EVENTS} per batch`, field: '/batch' });
    }
    const report = await collector.collect(source.workspace, {
      events,
      routeType: null,
      caller: await collectCallerFor(workspaces, source),
      batchSentAt: typeof body['sentAt'] === 'string' ? body['sentAt'] : null,
      batchContext: objectOrNull(body['context']),
      batchIntegrations: objectOrNull(body['integrations']),
      globalPrivacyControl: gpc(request),
    });
    return answer(reply, report, false);
  }

  const tags = ['collect'];
  const security = [{ writeKeyBasic: [] }];
  for (const type of callTypes) {
    const paths = [`/v1/${type}`, ...Object.entries(shortCallRoutes).filter(([, t]) => t === type).map(([short]) => `/v1/${short}`)];
    for (const [i, url] of paths.entries()) {
      app.post(url, {
        config: { access: 'events.collect' },
        bodyLimit: MAX_SINGLE_BYTES,
        validatorCompiler: documentOnly,
        schema: { tags, security, summary: `Collect ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} call${i === 0 ? '' : ` (the short route of Segment's browser library, same as /v1/${type})`}`, body: callSchemas[type], response: { 200: CollectResponse, ...errorResponses } },
      }, (request, reply) => single(type, request, reply));
    }
  }
  const batchRoutes = [
    ['/v1/batch', 'Collect a batch of calls'],
    ['/v1/b', "Collect a batch of calls (the short route of Segment's browser library, same as /v1/batch)"],
    ['/v1/import', "Collect a batch of calls (the alias in Segment's HTTP API, same as /v1/batch)"],
  ] as const;
  for (const [url, summary] of batchRoutes) {
    app.post(url, {
      config: { access: 'events.collect' },
      bodyLimit: MAX_BATCH_BYTES,
      validatorCompiler: documentOnly,
      schema: { tags, security, summary, body: BatchRequest, response: { 200: CollectResponse, ...errorResponses } },
    }, batch);
  }

  // @segment/analytics-next loads its settings from `${cdnURL}/v1/projects/${writeKey}/settings`.
  app.get('/v1/projects/:writeKey/settings', {
    config: { access: 'public' },
    schema: { tags, summary: 'Settings for @segment/analytics-next (point its cdnURL at Attune)', params: Type.Object({ writeKey: Type.String() }) },
  }, async (request, reply) => {
    const { writeKey } = request.params as { writeKey: string };
    // The document names the host it was asked on: caches must key it by that host.
    reply.header('vary', 'Host, X-Forwarded-Host, X-Forwarded-Proto').header('cache-control', 'private, max-age=300');
    const principal = await workspaces.authenticate(writeKey);
    if (principal === undefined || principal.key.kind !== 'write') throw new AttuneError('ATTUNE_AUTH_INVALID');
    const forwardedProto = request.headers['x-forwarded-proto'];
    const protocol = typeof forwardedProto === 'string' ? forwardedProto.split(',')[0]!.trim() : request.protocol;
    return segmentSettings(writeKey, `${request.host}/v1`, protocol);
  });
}

/** The CDN settings document analytics-next expects, sending everything to this server. */
export function segmentSettings(writeKey: string, apiHost: string, protocol: string): JsonObject {
  return {
    integrations: {
      'Segment.io': { apiKey: writeKey, apiHost, protocol, unbundledIntegrations: [], addBundledMetadata: true, maybeBundledConfigIds: {}, versionSettings: { version: '4.4.7', componentTypes: ['browser'] } },
    },
    plan: { track: { __default: { enabled: true, integrations: {} } }, identify: { __default: { enabled: true } }, group: { __default: { enabled: true } } },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}
