import type { IdGenerator } from '../common/ports.js';
import { Pipeline, type PipelineResult } from '../common/pipeline.js';
import type { CollectedEvent } from '../events/CollectedEvent.js';
import { checkEventSize } from './steps/checkEventSize.js';
import { normalizeEvent } from './steps/normalizeEvent.js';
import { readTimes } from './steps/readTimes.js';
import { requireIdentity } from './steps/requireIdentity.js';
import { resolveCallType } from './steps/resolveCallType.js';
import { validateCallShape } from './steps/validateCallShape.js';
import type { RawEventInput } from './steps/types.js';

/**
 * The pure half of collection, per event: everything that can be decided from the event
 * alone. What needs the store (de-duplication, identity, append) follows in the shell's
 * commit, see src/profiles/applyEvent.ts.
 */
export function createPrepareEvent(ids: IdGenerator): (input: RawEventInput) => PipelineResult<CollectedEvent> {
  return Pipeline.start<RawEventInput>()
    .then(checkEventSize)
    .then(resolveCallType)
    .then(validateCallShape)
    .then(requireIdentity)
    .then(readTimes)
    .then(normalizeEvent(ids))
    .build();
}
