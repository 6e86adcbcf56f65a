import { afterEach, describe, expect, it } from 'vitest';
import { sequentialIds } from '../common/ports.js';
import type { CallType } from '../events/callTypes.js';
import type { CollectedEvent, JsonObject } from '../events/CollectedEvent.js';
import cases from './prepareEvent.cases.json' with { type: 'json' };
import { createPrepareEvent } from './prepareEvent.js';
import type { RawEventInput } from './steps/types.js';

/**
 * The cases in prepareEvent.cases.json are `[name, input, expected]`:
 * - input: `raw` (the event as sent) and, when they matter, `routeType`, `batchSentAt`,
 *   `batchContext`, `batchIntegrations` and `receivedAt` (ISO; default 2024-05-01T12:00:00Z).
 *   `padToBytes` (with `padChar`, default "x") grows `raw.properties.padding` until the
 *   serialised event is exactly that many UTF-8 bytes, so size limits need no huge JSON.
 * - expected: `{ reject: { step, code, field, messageIncludes? } }`, or `{ ok: {...} }` listing
 *   members of the CollectedEvent, each compared exactly; times are given as ISO strings.
 */
interface CaseInput {
  readonly raw: unknown;
  readonly routeType?: string | null;
  readonly batchSentAt?: string | null;
  readonly batchContext?: JsonObject | null;
  readonly batchIntegrations?: JsonObject | null;
  readonly receivedAt?: string;
  readonly padToBytes?: number;
  readonly padChar?: string;
}

interface ExpectedRejection {
  readonly step: string;
  readonly code: string;
  readonly field: string;
  readonly messageIncludes?: string;
}

type Expected = { readonly reject: ExpectedRejection } | { readonly ok: Readonly<Record<string, unknown>> };
type Case = readonly [string, CaseInput, Expected];

const defaultReceivedAt = '2024-05-01T12:00:00.000Z';
const encoder = new TextEncoder();
const byteLength = (value: unknown): number => encoder.encode(JSON.stringify(value)).length;

function padded(raw: unknown, toBytes: number, char: string): unknown {
  const event = { ...(raw as JsonObject) };
  const properties = { ...(event['properties'] as JsonObject | undefined), padding: '' };
  event['properties'] = properties;
  const missing = toBytes - byteLength(event);
  const charBytes = encoder.encode(char).length;
  if (missing < 0) throw new Error(`the event is already larger than ${toBytes} bytes`);
  properties.padding = char.repeat(Math.floor(missing / charBytes)) + 'x'.repeat(missing % charBytes);
  expect(byteLength(event)).toBe(toBytes);
  return event;
}

function toInput(input: CaseInput): RawEventInput {
  return {
    raw: input.padToBytes === undefined ? input.raw : padded(input.raw, input.padToBytes, input.padChar ?? 'x'),
    routeType: (input.routeType ?? null) as CallType | null,
    batchSentAt: input.batchSentAt ?? null,
    batchContext: input.batchContext ?? null,
    batchIntegrations: input.batchIntegrations ?? null,
    receivedAt: Date.parse(input.receivedAt ?? defaultReceivedAt),
  };
}

/** The CollectedEvent with its two numeric times as ISO strings, as the cases write them. */
function readable(event: CollectedEvent): Record<string, unknown> {
  return { ...event, timestamp: new Date(event.timestamp).toISOString(), receivedAt: new Date(event.receivedAt).toISOString() };
}

function runCase(input: CaseInput, expected: Expected): void {
  const result = createPrepareEvent(sequentialIds('gen'))(toInput(input));
  if ('reject' in expected) {
    const { messageIncludes, ...where } = expected.reject;
    expect(result.ok, 'the event should be rejected').toBe(false);
    if (result.ok) return;
    expect({ step: result.step, code: result.fault.code, field: result.fault.field }).toEqual(where);
    if (messageIncludes !== undefined) expect(result.fault.message).toContain(messageIncludes);
    return;
  }
  expect(result, 'the event should be accepted').toMatchObject({ ok: true });
  if (!result.ok) return;
  const actual = readable(result.value);
  for (const [member, value] of Object.entries(expected.ok)) expect(actual[member], member).toEqual(value);
}

const allCases = cases as unknown as readonly Case[];

describe('createPrepareEvent (prepareEvent.cases.json)', () => {
  it.each(allCases)('%s', (_name, input, expected) => {
    runCase(input, expected);
  });

  it('covers every step and every rejection code of the pipeline', () => {
    const seen = new Set(allCases.flatMap(([, , e]) => ('reject' in e ? [`${e.reject.step} ${e.reject.code}`] : [])));
    expect([...seen].sort()).toEqual([
      'checkEventSize ATTUNE_EVENT_INVALID',
      'checkEventSize ATTUNE_EVENT_TOO_LARGE',
      'readTimes ATTUNE_EVENT_INVALID_TIMESTAMP',
      'requireIdentity ATTUNE_EVENT_MISSING_IDENTITY',
      'resolveCallType ATTUNE_EVENT_UNKNOWN_TYPE',
      'validateCallShape ATTUNE_EVENT_INVALID',
    ]);
  });
});

describe('createPrepareEvent', () => {
  const originalTz = process.env['TZ'];
  afterEach(() => {
    if (originalTz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = originalTz;
  });

  it('reads times the same whatever the time zone of the server', () => {
    const zoneless = allCases.filter(([name]) => name.includes('without a zone') || name.includes('space may separate') || name.includes('date alone'));
    expect(zoneless).toHaveLength(3);
    for (const tz of ['America/New_York', 'Asia/Kolkata']) {
      process.env['TZ'] = tz;
      for (const [, input, expected] of zoneless) runCase(input, expected);
    }
  });

  it('generates a fresh messageId per event from the id generator', () => {
    const prepare = createPrepareEvent(sequentialIds('gen'));
    const input = toInput({ raw: { type: 'track', userId: 'u1', event: 'Clicked' } });
    const ids = [prepare(input), prepare(input)].map((r) => (r.ok ? r.value.messageId : r.fault.code));
    expect(ids).toEqual(['attune-gen-1', 'attune-gen-2']);
  });

  it('does not consume an id for a rejected event or for an event with its own messageId', () => {
    const prepare = createPrepareEvent(sequentialIds('gen'));
    prepare(toInput({ raw: { type: 'track', event: 'Clicked' } }));
    prepare(toInput({ raw: { type: 'track', userId: 'u1', event: 'Clicked', messageId: 'm1' } }));
    const result = prepare(toInput({ raw: { type: 'track', userId: 'u1', event: 'Clicked' } }));
    expect(result.ok && result.value.messageId).toBe('attune-gen-1');
  });

  it('does not change the input event', () => {
    const raw = { type: 'track', userId: 42, event: 'Clicked', writeKey: 'atw_x', context: { ip: '192.0.2.1' } };
    const copy = structuredClone(raw);
    const result = createPrepareEvent(sequentialIds('gen'))(toInput({ raw, batchContext: { locale: 'en' } }));
    expect(result.ok).toBe(true);
    expect(raw).toEqual(copy);
  });
});
