import { ok, reject, type Step } from '../../common/pipeline.js';
import type { TypedEvent } from './types.js';

function present(value: unknown): boolean {
  return (typeof value === 'string' && value.length > 0) || typeof value === 'number';
}

/** Every call but alias needs a userId or an anonymousId (alias's schema requires both of its ids). */
export const requireIdentity: Step<TypedEvent, TypedEvent> = {
  name: 'requireIdentity',
  run(input) {
    if (input.type === 'alias') return ok(input);
    if (present(input.event['userId']) || present(input.event['anonymousId'])) return ok(input);
    return reject({ code: 'ATTUNE_EVENT_MISSING_IDENTITY', field: '/userId', message: 'either userId or anonymousId is required' });
  },
};
