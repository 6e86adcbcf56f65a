import { ok, reject, type Step } from '../../common/pipeline.js';
import { callTypes, isCallType } from '../../events/callTypes.js';
import type { SizedEvent, TypedEvent } from './types.js';

/**
 * The type comes from the event, or from the route (`/v1/track` needs no `type`).
 * An event whose own type contradicts its route is rejected rather than guessed at.
 */
export const resolveCallType: Step<SizedEvent, TypedEvent> = {
  name: 'resolveCallType',
  run(input) {
    const declared = input.event['type'];
    if (declared === undefined) {
      if (input.routeType !== null) return ok({ ...input, type: input.routeType });
      return reject({ code: 'ATTUNE_EVENT_UNKNOWN_TYPE', field: '/type', message: `type is required in a batch; one of ${callTypes.join(', ')}` });
    }
    if (!isCallType(declared)) {
      return reject({ code: 'ATTUNE_EVENT_UNKNOWN_TYPE', field: '/type', message: `unknown call type ${JSON.stringify(declared)}; expected one of ${callTypes.join(', ')}` });
    }
    if (input.routeType !== null && declared !== input.routeType) {
      return reject({ code: 'ATTUNE_EVENT_UNKNOWN_TYPE', field: '/type', message: `type "${declared}" was sent to the ${input.routeType} endpoint` });
    }
    return ok({ ...input, type: declared });
  },
};
