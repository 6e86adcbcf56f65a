import { AttuneError } from '../errors/AttuneError.js';

/** How a privacy request names its person: exactly one identifier. */
export type PersonRefKind = 'user' | 'anonymous' | 'profile';

export interface PersonRef {
  readonly kind: PersonRefKind;
  readonly value: string;
}

/** The request body's fields, in the order a fault names them. */
const fields = [['userId', 'user'], ['anonymousId', 'anonymous'], ['profileId', 'profile']] as const;

export interface PersonRequest {
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly profileId?: string;
}

/**
 * The one person a privacy request names. None, or more than one (a request for "this user
 * and that device" could erase two people at once), is refused with the field at fault
 * (`fieldName` says how the caller names it: `body/userId` for the API, a flag for the CLI).
 *
 * @example readPersonRef({ userId: 'u1' }) // { kind: 'user', value: 'u1' }
 */
export function readPersonRef(body: PersonRequest, fieldName: (field: keyof PersonRequest) => string = (field) => `body/${field}`): PersonRef {
  const given = fields.filter(([field]) => body[field] !== undefined);
  if (given.length === 0) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { field: fieldName('userId'), detail: 'name the person by exactly one of userId, anonymousId or profileId' });
  }
  if (given.length > 1) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', {
      field: fieldName(given[1]![0]), detail: `name the person by exactly one of userId, anonymousId or profileId, not ${given.map(([f]) => f).join(' and ')}`,
    });
  }
  const [field, kind] = given[0]!;
  const value = body[field]!;
  if (value.length === 0) throw new AttuneError('ATTUNE_INVALID_REQUEST', { field: fieldName(field), detail: `${field} is empty` });
  return { kind, value };
}
