import { describe, expect, it } from 'vitest';
import type { ActionDefinition } from '../../core/decide/ActionDefinition.js';
import { definitionOf, emptyActionForm, formOf } from './actionForm.js';

describe('actionForm', () => {
  it.each<[string, ActionDefinition]>([
    ['a bare action', { id: 'a', placements: ['home'], priority: 0, value: 0, variants: { default: { title: 'Hi' } } }],
    ['every field, caps the form has no field for kept', {
      id: 'sale', name: 'Spring sale', placements: ['home', 'cart'], rule: 'features.orders_90d >= 1', priority: 10, value: 25.5,
      schedule: { start: '2026-03-01T09:30:00.000Z', end: '2026-04-01T00:00:00.000Z' },
      caps: { perProfile: [{ max: 3, window: '24h' }, { max: 10, window: 'lifetime' }], perPlacement: [{ max: 1, window: 'session' }], dismissCooldown: '7d', budget: 1000 },
      variants: { default: { title: 'Sale, {{ profile.traits.name | "friend" }}' }, de: { title: 'Aktion' } }, enabled: false,
    }],
  ])('gives back the definition it was loaded from: %s', (_name, definition) => {
    expect(definitionOf(formOf(definition))).toEqual({ ok: true, definition });
  });

  it.each([
    ['a priority that is not a number', { priority: 'high' }, 'Priority'],
    ['content that is not JSON', { variants: [{ key: 0, locale: 'de', content: '{ title: ' }] }, 'Content of de'],
    ['a locale twice', { variants: [{ key: 0, locale: 'de', content: '{}' }, { key: 1, locale: 'de', content: '{}' }] }, 'Locale de'],
    ['no variant', { variants: [] }, 'Variants'],
    ['a cap that is not a whole number', { perProfileMax: '2.5' }, 'Shows per profile'],
  ])('names the field at fault: %s', (_name, change, field) => {
    const result = definitionOf({ ...emptyActionForm(), id: 'a', placements: 'home', ...change });
    expect(result).toMatchObject({ ok: false, field });
  });

  it('reads the schedule as UTC and the placements as a comma separated list', () => {
    const result = definitionOf({ ...emptyActionForm(), id: 'a', placements: ' home ,cart,', start: '2026-12-07T10:00' });
    expect(result).toMatchObject({ ok: true, definition: { placements: ['home', 'cart'], schedule: { start: '2026-12-07T10:00:00.000Z' } } });
  });
});
