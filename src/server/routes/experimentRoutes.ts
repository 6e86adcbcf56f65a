import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { AttuneError } from '../../core/errors/AttuneError.js';
import { ExperimentDefinition } from '../../core/experiments/ExperimentDefinition.js';
import { MeasurementSettings } from '../../core/experiments/MeasurementSettings.js';
import { MetricDefinition } from '../../core/experiments/MetricDefinition.js';
import type { AnalysisOptions, ExperimentService, ReportOptions } from '../../experiments/ExperimentService.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { workspaceIdOf } from '../actor.js';
import {
  AnalysisQuery, ExperimentChange, ExperimentIdParams, ExperimentPutParams, ExperimentReadout, ExperimentValidation, ExperimentView,
  MeasurementView, MetricChange, MetricIdParams, MetricPutParams, MetricView, ReportQuery, ResolvedMeasurement, TimelineQuery, WorkspaceReport,
  ExperimentTimeline,
} from '../../api/experimentSchemas.js';
import { problemResponses } from '../../api/schemas.js';

export interface ExperimentRoutesOptions {
  readonly workspaces: WorkspaceService;
  /** The engine's instance: its changes drop the compiled models decide and collect use. */
  readonly experiments: ExperimentService;
}

const errors = problemResponses(400, 401, 403, 404, 503);
const secret = [{ secretKeyBearer: [] }];
const experiments = { tags: ['experiments'], security: secret };
const metrics = { tags: ['metrics'], security: secret };
const measurement = { tags: ['measurement'], security: secret };

/** The body of a PUT repeats the id of its path; a different one is a mistake. */
function samePathId(pathId: string, bodyId: string): void {
  if (bodyId !== pathId) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the body's id "${bodyId}" differs from the path's "${pathId}"`, field: '/id' });
}

/** One validator per metric kind: a body is checked against the branch its `kind` names. */
const metricKinds = new Map(MetricDefinition.anyOf.map((branch) => [branch.properties.kind.const as string, Compile(branch)]));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A metric body the schema refused, said of its own kind: the schema is a union, and the
 * validator's first complaint is about the first kind (a `mean` metric would be told it lacks
 * the `window` a `conversion` needs). Other errors (the path) are passed on as they are.
 */
function metricBodyError(error: Error & { validationContext?: string }, body: unknown): Error {
  if (error.validationContext !== 'body' || !isRecord(body)) return error;
  const kind = body['kind'];
  const validator = typeof kind === 'string' ? metricKinds.get(kind) : undefined;
  if (validator === undefined) {
    return new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `body/kind must be one of ${[...metricKinds.keys()].join(', ')}`, field: 'body/kind', cause: error });
  }
  const first = validator.Errors(body).find((e) => e.keyword !== 'boolean');
  if (first === undefined) return error;
  const at = `body${first.instancePath}`;
  const params = first.params as { requiredProperties?: readonly string[]; additionalProperties?: readonly string[] };
  const member = first.keyword === 'required' ? params.requiredProperties?.[0] : first.keyword === 'additionalProperties' ? params.additionalProperties?.[0] : undefined;
  if (member === undefined) return new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${at} ${first.message}`, field: at, cause: error });
  const detail = first.keyword === 'required' ? `${at} must have required property '${member}'` : `${at} must not have the property '${member}' (a ${String(kind)} metric)`;
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail, field: `${at}/${member}`, cause: error });
}

/** Only the options a query gave: the service's defaults fill in the rest. */
function analysisOptions(query: Static<typeof AnalysisQuery>): AnalysisOptions {
  return {
    ...(query.alpha === undefined ? {} : { alpha: query.alpha }),
    ...(query.alternative === undefined ? {} : { alternative: query.alternative }),
    ...(query.sequential === undefined ? {} : { sequential: query.sequential }),
    ...(query.nStar === undefined ? {} : { nStar: query.nStar }),
    ...(query.bayesian === undefined ? {} : { bayesian: query.bayesian }),
    ...(query.cuped === undefined ? {} : { cuped: query.cuped }),
  };
}

function reportOptions(query: Static<typeof ReportQuery>): ReportOptions {
  return {
    ...(query.experiment === undefined ? {} : { experimentId: query.experiment }),
    ...(query.alpha === undefined ? {} : { alpha: query.alpha }),
    ...(query.sequential === undefined ? {} : { sequential: query.sequential }),
    ...(query.nStar === undefined ? {} : { nStar: query.nStar }),
    ...(query.monthlyCost === undefined ? {} : { monthlyCost: query.monthlyCost }),
  };
}

/**
 * Experiments, metrics, measurement settings, experiment read-outs and the ROI report under
 * /admin/v1 (secret key). The work is ExperimentService's.
 */
export async function experimentRoutes(app: FastifyInstance, options: ExperimentRoutesOptions): Promise<void> {
  const service = options.experiments;

  app.get('/admin/v1/experiments', {
    config: { access: 'config.read' },
    schema: { ...experiments, summary: 'List the experiments with their status and the problems that keep parts of them from working', response: { 200: Type.Array(ExperimentView), ...errors } },
  }, async (request) => service.listExperiments(workspaceIdOf(request)));

  app.post('/admin/v1/experiments/validate', {
    config: { access: 'config.read' },
    schema: {
      ...experiments, summary: 'Check an experiment against the workspace (weights, metrics, actions, rules), without saving it',
      body: ExperimentDefinition, response: { 200: ExperimentValidation, ...errors },
    },
  }, async (request) => ({ valid: true, warnings: [...(await service.validateExperiment(workspaceIdOf(request), request.body as ExperimentDefinition))] }));

  app.get('/admin/v1/experiments/:id', {
    config: { access: 'config.read' },
    schema: { ...experiments, summary: 'An experiment', params: ExperimentIdParams, response: { 200: ExperimentView, ...errors } },
  }, async (request) => service.getExperiment(workspaceIdOf(request), (request.params as Static<typeof ExperimentIdParams>).id));

  app.put('/admin/v1/experiments/:id', {
    config: { access: 'config.write' },
    schema: {
      ...experiments,
      summary: 'Create or replace an experiment; it applies to the next decision. Units keep the arm they were first given, whatever the new weights',
      params: ExperimentPutParams, body: ExperimentDefinition, response: { 200: ExperimentChange, 201: ExperimentChange, ...errors },
    },
  }, async (request, reply) => {
    const definition = request.body as ExperimentDefinition;
    samePathId((request.params as Static<typeof ExperimentPutParams>).id, definition.id);
    const workspaceId = workspaceIdOf(request);
    const warnings = await service.validateExperiment(workspaceId, definition);
    const change = await service.putExperiment(workspaceId, definition);
    return reply.status(change.status === 'created' ? 201 : 200).send({ ...change, warnings: [...warnings] });
  });

  app.delete('/admin/v1/experiments/:id', {
    config: { access: 'config.write' },
    schema: { ...experiments, summary: 'Delete an experiment and its statistics', params: ExperimentIdParams, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    await service.deleteExperiment(workspaceIdOf(request), (request.params as Static<typeof ExperimentIdParams>).id);
    return reply.status(204).send();
  });

  app.get('/admin/v1/experiments/:id/analysis', {
    config: { access: 'reports.read' },
    schema: {
      ...experiments,
      summary: 'The read-out of an experiment: units per arm, sample-ratio check, and every metric of every treatment arm against the control with adjusted p-values; '
        + 'for a bandit experiment, the weight versions and each arm\'s naive and inverse-propensity-weighted estimates instead',
      params: ExperimentIdParams, querystring: AnalysisQuery, response: { 200: ExperimentReadout, ...errors },
    },
  }, async (request) => service.analyze(
    workspaceIdOf(request),
    (request.params as Static<typeof ExperimentIdParams>).id,
    analysisOptions(request.query as Static<typeof AnalysisQuery>),
  ));

  app.get('/admin/v1/experiments/:id/timeline', {
    config: { access: 'reports.read' },
    schema: {
      ...experiments,
      summary: 'The cumulative effect over time: for each UTC day on which the arms\' totals changed, every metric of every treatment arm against the control as of the end of that day',
      params: ExperimentIdParams, querystring: TimelineQuery, response: { 200: ExperimentTimeline, ...errors },
    },
  }, async (request) => service.timeline(
    workspaceIdOf(request),
    (request.params as Static<typeof ExperimentIdParams>).id,
    analysisOptions(request.query as Static<typeof TimelineQuery>),
  ));

  app.get('/admin/v1/metrics', {
    config: { access: 'config.read' },
    schema: { ...metrics, summary: 'List the metrics: built-in ones (flag builtin) and declared ones', response: { 200: Type.Array(MetricView), ...errors } },
  }, async (request) => service.listMetrics(workspaceIdOf(request)));

  app.get('/admin/v1/metrics/:id', {
    config: { access: 'config.read' },
    schema: { ...metrics, summary: 'A metric', params: MetricIdParams, response: { 200: MetricView, ...errors } },
  }, async (request) => service.getMetric(workspaceIdOf(request), (request.params as Static<typeof MetricIdParams>).id));

  app.put('/admin/v1/metrics/:id', {
    config: { access: 'config.write' },
    schema: {
      ...metrics, summary: 'Create or replace a metric (a built-in may be redefined); experiments read it from their next event',
      params: MetricPutParams, body: MetricDefinition, response: { 200: MetricChange, 201: MetricChange, ...errors },
    },
    attachValidation: true,
  }, async (request, reply) => {
    if (request.validationError !== undefined) throw metricBodyError(request.validationError, request.body);
    const definition = request.body as MetricDefinition;
    samePathId((request.params as Static<typeof MetricPutParams>).id, definition.id);
    const change = await service.putMetric(workspaceIdOf(request), definition);
    return reply.status(change.status === 'created' ? 201 : 200).send(change);
  });

  app.delete('/admin/v1/metrics/:id', {
    config: { access: 'config.write' },
    schema: {
      ...metrics, summary: 'Delete a declared metric (400 while an experiment or the ROI report reads it); deleting a redefinition brings the built-in back',
      params: MetricIdParams, response: { 204: Type.Null(), ...errors },
    },
  }, async (request, reply) => {
    await service.deleteMetric(workspaceIdOf(request), (request.params as Static<typeof MetricIdParams>).id);
    return reply.status(204).send();
  });

  app.get('/admin/v1/measurement', {
    config: { access: 'config.read' },
    schema: { ...measurement, summary: 'The measurement settings as saved, and with their defaults filled in', response: { 200: MeasurementView, ...errors } },
  }, async (request) => service.measurement(workspaceIdOf(request)));

  app.put('/admin/v1/measurement', {
    config: { access: 'config.write' },
    schema: {
      ...measurement, summary: 'Replace the measurement settings (holdout share, monthly cost, currency, the ROI report\'s metrics)',
      body: MeasurementSettings, response: { 200: ResolvedMeasurement, ...errors },
    },
  }, async (request) => service.setMeasurement(workspaceIdOf(request), request.body as MeasurementSettings));

  app.get('/admin/v1/report', {
    config: { access: 'reports.read' },
    schema: {
      ...measurement,
      summary: 'The ROI report: the program (holdout against everyone else) with ROI, then each experiment\'s treatment arms against its control',
      querystring: ReportQuery, response: { 200: WorkspaceReport, ...errors },
    },
  }, async (request) => service.report(workspaceIdOf(request), reportOptions(request.query as Static<typeof ReportQuery>)));
}
