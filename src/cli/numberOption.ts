import { AttuneError } from '../core/errors/AttuneError.js';

/** A number option within [min, max] (an integer when asked), or a usage error naming the option. */
export function numberOption(name: string, raw: string, min: number, max: number, integer = false): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`, field: name });
  }
  return value;
}
