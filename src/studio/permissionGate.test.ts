import { describe, expect, it } from 'vitest';
import { accessMatrix } from '../core/access/accessMatrix.js';
import { gate } from './permissionGate.js';

describe('gate', () => {
  it('allows what the permissions hold', () => {
    expect(gate(accessMatrix.owner, 'privacy.erase')).toEqual({ allowed: true });
  });

  it('refuses the rest with what the permission allows and the roles that have it', () => {
    expect(gate(accessMatrix.analyst, 'personalData.read')).toEqual({
      allowed: false,
      reason: 'Needs "personalData.read" (read personal data: profiles, the event log, a profile\'s decisions, decision explanations), which the roles owner, admin, editor have.',
    });
    expect(gate(accessMatrix.editor, 'privacy.erase')).toEqual({ allowed: false, reason: 'Needs "privacy.erase" (erase or suppress a person), which the roles owner, admin have.' });
  });
});
