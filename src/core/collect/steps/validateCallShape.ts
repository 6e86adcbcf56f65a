import { Compile } from 'typebox/compile';
import type { TLocalizedValidationError } from 'typebox/error';
import { ok, reject, type Step } from '../../common/pipeline.js';
import { callTypes, type CallType } from '../../events/callTypes.js';
import { callSchemas } from '../../events/eventSchemas.js';
import type { TypedEvent } from './types.js';

// Compiled once at module load: validation is on the hot path of every event.
const validators = Object.fromEntries(callTypes.map((t) => [t, Compile(callSchemas[t])])) as {
  [K in CallType]: ReturnType<typeof Compile<(typeof callSchemas)[K]>>;
};

/** RFC 6901: `~` and `/` in a member name are escaped in a JSON pointer. */
function pointerTo(parent: string, member: string): string {
  return `${parent}/${member.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/**
 * The field a fault points at. TypeBox reports a missing required member at its parent
 * (instancePath '' for the event itself); the sender needs the member's own pointer.
 */
function describeFault(error: TLocalizedValidationError | undefined): { field: string; detail: string } {
  if (error === undefined) return { field: '', detail: 'does not match the schema' };
  if (error.keyword === 'required') {
    const missing = error.params.requiredProperties.map((member) => pointerTo(error.instancePath, member));
    return { field: missing[0] ?? error.instancePath, detail: `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required` };
  }
  return { field: error.instancePath, detail: `${error.instancePath || 'event'} ${error.message}` };
}

/** Checks the event against the Segment schema of its type; reports the first fault's field. */
export const validateCallShape: Step<TypedEvent, TypedEvent> = {
  name: 'validateCallShape',
  run(input) {
    const validator = validators[input.type];
    if (validator.Check(input.event)) return ok(input);
    const { field, detail } = describeFault(validator.Errors(input.event)[0]);
    return reject({ code: 'ATTUNE_EVENT_INVALID', field, message: `${input.type}: ${detail}` });
  },
};
