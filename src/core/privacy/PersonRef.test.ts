import { describe, expect, it } from 'vitest';
import { AttuneError } from '../errors/AttuneError.js';
import { readPersonRef, type PersonRequest } from './PersonRef.js';
import cases from './PersonRef.cases.json' with { type: 'json' };

type Expected = { kind: string; value: string } | { field: string };

describe('readPersonRef', () => {
  it.each(cases as [string, PersonRequest, Expected][])('%s', (_name, body, expected) => {
    if ('field' in expected) {
      let thrown: unknown;
      try {
        readPersonRef(body);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AttuneError);
      expect(thrown).toMatchObject({ code: 'ATTUNE_INVALID_REQUEST', field: expected.field });
    } else {
      expect(readPersonRef(body)).toEqual(expected);
    }
  });
});
