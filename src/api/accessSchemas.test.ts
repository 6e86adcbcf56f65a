import { describe, expect, it } from 'vitest';
import { roles, secretKeyScopes } from '../core/access/accessMatrix.js';
import { Role } from './accessSchemas.js';
import { SecretKeyScope } from './schemas.js';

const literals = (union: { anyOf: readonly { const?: unknown }[] }) => union.anyOf.map((member) => member.const);

describe('the access schemas', () => {
  it('list the core\'s roles and key scopes, in its order', () => {
    expect(literals(Role)).toEqual([...roles]);
    expect(literals(SecretKeyScope)).toEqual([...secretKeyScopes]);
  });
});
