import { Compile } from 'typebox/compile';
import { ok, reject, type Step } from '../../common/pipeline.js';
import { callTypes, type CallType } from '../../events/callTypes.js';
import { callSchemas } from '../../events/eventSchemas.js';
import type { TypedEvent } from './types.js';

// Compiled once at module load: validation is on the hot path of every event.
const validators = Object.fromEntries(callTypes.map((t) => [t, Compile(callSchemas[t])])) as {
  [K in CallType]: ReturnType<typeof Compile<(typeof callSchemas)[K]>>;
};

/** Checks the event against the Segment schema of its type; reports the first fault's field. */
export const validateCallShape: Step<TypedEvent, TypedEvent> = {
  name: 'validateCallShape',
  run(input) {
    const validator = validators[input.type];
    if (validator.Check(input.event)) return ok(input);
    const first = validator.Errors(input.event)[0];
    const field = first?.instancePath ?? '';
    const detail = first === undefined ? 'does not match the schema' : `${field || 'event'} ${first.message}`;
    return reject({ code: 'ATTUNE_EVENT_INVALID', field, message: `${input.type}: ${detail}` });
  },
};
