import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { ConsentSettingsChange } from '../core/consent/ConsentSettingsChange.js';
import { ActionDefinition } from '../core/decide/ActionDefinition.js';
import { PlacementDefinition } from '../core/decide/PlacementDefinition.js';
import { ExperimentDefinition } from '../core/experiments/ExperimentDefinition.js';
import { MeasurementSettings } from '../core/experiments/MeasurementSettings.js';
import { MetricDefinition } from '../core/experiments/MetricDefinition.js';
import { FeatureDefinition } from '../core/features/FeatureDefinition.js';
import type { ReviewKind } from '../core/review/ReviewKind.js';
import { SegmentDefinition } from '../core/segments/SegmentDefinition.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { DecisionAdmin } from '../decide/DecisionAdmin.js';
import type { ExperimentService } from '../experiments/ExperimentService.js';
import type { KnowledgeAdmin } from '../knowledge/KnowledgeAdmin.js';

/** The engine services a draft of each kind is published through (one path per change). */
export interface PublishingServices {
  readonly knowledgeAdmin: KnowledgeAdmin;
  readonly decisionAdmin: DecisionAdmin;
  readonly experiments: ExperimentService;
}

/** How a kind's draft is checked and published: its schema, the service's check, its put and delete. */
interface KindPublisher {
  readonly schema: TSchema;
  check(services: PublishingServices, workspaceId: string, definition: unknown): Promise<unknown>;
  put(services: PublishingServices, workspaceId: string, definition: unknown): Promise<unknown>;
  /** Null: the kind cannot be deleted (the measurement and consent settings are replaced, never removed). */
  readonly remove: ((services: PublishingServices, workspaceId: string, id: string) => Promise<unknown>) | null;
}

// Each definition reaching these has passed its kind's schema (checkDefinition), so the casts name what was checked.
const publishers: Readonly<Record<ReviewKind, KindPublisher>> = {
  feature: {
    schema: FeatureDefinition,
    check: (s, ws, d) => s.knowledgeAdmin.validateFeature(ws, d as FeatureDefinition),
    put: (s, ws, d) => s.knowledgeAdmin.putFeature(ws, d as FeatureDefinition),
    remove: (s, ws, id) => s.knowledgeAdmin.deleteFeature(ws, id),
  },
  segment: {
    schema: SegmentDefinition,
    check: (s, ws, d) => s.knowledgeAdmin.validateSegment(ws, d as SegmentDefinition),
    put: async (s, ws, d) => ((await s.knowledgeAdmin.validateSegment(ws, d as SegmentDefinition)).exists
      ? s.knowledgeAdmin.updateSegment(ws, d as SegmentDefinition)
      : s.knowledgeAdmin.createSegment(ws, d as SegmentDefinition)),
    remove: (s, ws, id) => s.knowledgeAdmin.deleteSegment(ws, id),
  },
  action: {
    schema: ActionDefinition,
    // A draft may name a placement that a draft of its own brings: checked again when published.
    check: (s, ws, d) => s.decisionAdmin.validateAction(ws, d as ActionDefinition, { allowUnknownPlacements: true }),
    put: (s, ws, d) => s.decisionAdmin.putAction(ws, d as ActionDefinition),
    remove: (s, ws, id) => s.decisionAdmin.deleteAction(ws, id),
  },
  placement: {
    schema: PlacementDefinition,
    check: (s, ws, d) => s.decisionAdmin.validatePlacement(ws, d as PlacementDefinition),
    put: (s, ws, d) => s.decisionAdmin.putPlacement(ws, d as PlacementDefinition),
    remove: (s, ws, id) => s.decisionAdmin.deletePlacement(ws, id),
  },
  experiment: {
    schema: ExperimentDefinition,
    check: (s, ws, d) => s.experiments.validateExperiment(ws, d as ExperimentDefinition),
    put: (s, ws, d) => s.experiments.putExperiment(ws, d as ExperimentDefinition),
    remove: (s, ws, id) => s.experiments.deleteExperiment(ws, id),
  },
  metric: {
    schema: MetricDefinition,
    check: async () => undefined,
    put: (s, ws, d) => s.experiments.putMetric(ws, d as MetricDefinition),
    remove: (s, ws, id) => s.experiments.deleteMetric(ws, id),
  },
  measurement: {
    schema: MeasurementSettings,
    check: async () => undefined,
    put: (s, ws, d) => s.experiments.setMeasurement(ws, d as MeasurementSettings),
    remove: null,
  },
  consent: {
    schema: ConsentSettingsChange,
    check: (s, ws, d) => s.knowledgeAdmin.validateConsentSettings(ws, d as ConsentSettingsChange),
    put: (s, ws, d) => s.knowledgeAdmin.setConsentSettings(ws, d as ConsentSettingsChange),
    remove: null,
  },
};

/**
 * A draft's definition as its kind's schema reads it, defaults filled in (as the direct
 * routes' validation fills them), or a 400 with the JSON pointer of the first fault under
 * `/definition`.
 */
export function checkDefinition(kind: ReviewKind, definition: unknown): unknown {
  const { schema } = publishers[kind];
  const filled = Value.Default(schema, structuredClone(definition));
  if (Value.Check(schema, filled)) return filled;
  const first = Value.Errors(schema, filled).find((e) => e.keyword !== 'boolean' && e.keyword !== 'anyOf') ?? Value.Errors(schema, filled)[0];
  const field = `/definition${first?.instancePath ?? ''}`;
  throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${field} ${first?.message ?? 'does not match the schema'} (a ${kind})`, field });
}

/** Checks a definition against the workspace through its service, without saving it. */
export async function checkInWorkspace(services: PublishingServices, workspaceId: string, kind: ReviewKind, definition: unknown): Promise<void> {
  await publishers[kind].check(services, workspaceId, definition);
}

/** Whether drafts of the kind may delete (all but the measurement and consent settings). */
export function deletable(kind: ReviewKind): boolean {
  return publishers[kind].remove !== null;
}

/** Publishes through the kind's engine service: the definition, or the deletion of `id` when null. */
export async function publishThrough(services: PublishingServices, workspaceId: string, kind: ReviewKind, id: string, definition: unknown): Promise<void> {
  const publisher = publishers[kind];
  if (definition !== null) {
    await publisher.put(services, workspaceId, definition);
    return;
  }
  if (publisher.remove === null) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `a ${kind} cannot be deleted`, field: '/definition' });
  await publisher.remove(services, workspaceId, id);
}
