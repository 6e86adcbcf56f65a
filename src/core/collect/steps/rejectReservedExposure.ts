import { ok, reject, type Step } from '../../common/pipeline.js';
import type { CollectedEvent } from '../../events/CollectedEvent.js';
import { EXPOSURE_EVENT } from '../../experiments/experimentUnits.js';

/**
 * What a collect call does with exposures (`Experiment Viewed` naming one of Attune's own
 * experiments or the program): `accept` them (the decide step's own log, an embedded
 * application, an admin's import), or `reject` them (the public collect routes, whose write key
 * anyone may hold: a forged exposure would choose its own arm, escape the holdout or skew a report).
 */
export type ExposurePolicy = 'accept' | 'reject';

/**
 * Rejects a track `Experiment Viewed` whose `experiment_id` names an experiment Attune manages
 * (`isReserved`: the workspace's experiments and the program). An exposure to any other
 * experiment (GrowthBook's, say) is an ordinary event and passes.
 */
export function rejectReservedExposure(isReserved: (experimentId: string) => boolean): Step<CollectedEvent, CollectedEvent> {
  return {
    name: 'rejectReservedExposure',
    run(event) {
      if (event.type !== 'track' || event.name !== EXPOSURE_EVENT || event.properties === null) return ok(event);
      const experimentId = Object.hasOwn(event.properties, 'experiment_id') ? event.properties['experiment_id'] : undefined;
      if (typeof experimentId !== 'string' || !isReserved(experimentId)) return ok(event);
      return reject({
        code: 'ATTUNE_EVENT_RESERVED',
        field: '/properties/experiment_id',
        message: `"${EXPOSURE_EVENT}" for "${experimentId}" is reserved: Attune logs exposures to its own experiments itself, at decision time`,
      });
    },
  };
}
