import type { ActionDefinition } from '../../core/decide/ActionDefinition.js';

/** One content variant as the editor holds it: its locale and its JSON as typed. */
export interface VariantRow {
  /** Stable across edits, for React's list keys. */
  readonly key: number;
  readonly locale: string;
  readonly content: string;
}

/**
 * An action as the editor holds it: text as typed, turned into a definition by `definitionOf`.
 * Caps the form has no field for (a second per-profile window, per-placement caps, ...) are
 * kept as loaded in `otherCaps`, so editing an action never drops them.
 */
export interface ActionForm {
  readonly id: string;
  readonly name: string;
  /** Comma separated placement ids. */
  readonly placements: string;
  readonly rule: string;
  readonly priority: string;
  readonly value: string;
  readonly perProfileMax: string;
  readonly perProfileWindow: string;
  readonly dismissCooldown: string;
  readonly budget: string;
  /** `YYYY-MM-DDTHH:mm`, UTC (the value of an `<input type="datetime-local">`); empty when open. */
  readonly start: string;
  readonly end: string;
  readonly enabled: boolean;
  readonly variants: readonly VariantRow[];
  readonly otherCaps: Readonly<Record<string, unknown>>;
}

export type FormResult = { readonly ok: true; readonly definition: ActionDefinition } | { readonly ok: false; readonly field: string; readonly message: string };

export function emptyActionForm(): ActionForm {
  return {
    id: '', name: '', placements: '', rule: '', priority: '0', value: '0', perProfileMax: '', perProfileWindow: '24h', dismissCooldown: '', budget: '',
    start: '', end: '', enabled: true, variants: [{ key: 0, locale: 'default', content: '{\n  "title": ""\n}' }], otherCaps: {},
  };
}

const minute = (iso: string | undefined) => (iso === undefined ? '' : new Date(iso).toISOString().slice(0, 16));

/** The form of a saved action (the editor's starting point when it is edited). */
export function formOf(action: ActionDefinition): ActionForm {
  const { perProfile = [], dismissCooldown, budget, ...rest } = action.caps ?? {};
  const [first, ...more] = perProfile;
  return {
    id: action.id, name: action.name ?? '', placements: action.placements.join(', '), rule: action.rule ?? '',
    priority: String(action.priority), value: String(action.value),
    perProfileMax: first === undefined ? '' : String(first.max), perProfileWindow: first?.window ?? '24h',
    dismissCooldown: dismissCooldown ?? '', budget: budget === undefined ? '' : String(budget),
    start: minute(action.schedule?.start), end: minute(action.schedule?.end), enabled: action.enabled !== false,
    variants: Object.entries(action.variants).map(([locale, content], key) => ({ key, locale, content: JSON.stringify(content, null, 2) })),
    otherCaps: more.length === 0 ? rest : { ...rest, perProfile: more },
  };
}

function number(text: string, field: string, integer: boolean): number | { field: string; message: string } {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) return { field, message: `${field} must be ${integer ? 'a whole number' : 'a number'}` };
  return value;
}

const utc = (value: string) => new Date(`${value}:00Z`).toISOString();

/**
 * The definition the form describes, or the first field that does not make one (a number
 * that is not one, content that is not JSON, a locale twice). The server checks the rest
 * (rule, caps, placements) through POST /admin/v1/actions/validate.
 *
 * @example definitionOf({ ...emptyActionForm(), id: 'sale', placements: 'home', variants: [{ key: 0, locale: 'de', content: '{"title":"Aktion"}' }] })
 */
export function definitionOf(form: ActionForm): FormResult {
  const fail = (field: string, message: string): FormResult => ({ ok: false, field, message });
  const priority = number(form.priority, 'Priority', false);
  if (typeof priority !== 'number') return fail(priority.field, priority.message);
  const value = number(form.value, 'Value', false);
  if (typeof value !== 'number') return fail(value.field, value.message);
  const caps: Record<string, unknown> = { ...form.otherCaps };
  if (form.perProfileMax.trim() !== '') {
    const max = number(form.perProfileMax, 'Shows per profile', true);
    if (typeof max !== 'number') return fail(max.field, max.message);
    caps.perProfile = [{ max, window: form.perProfileWindow.trim() }, ...(Array.isArray(form.otherCaps.perProfile) ? form.otherCaps.perProfile as unknown[] : [])];
  }
  if (form.dismissCooldown.trim() !== '') caps.dismissCooldown = form.dismissCooldown.trim();
  if (form.budget.trim() !== '') {
    const budget = number(form.budget, 'Budget', true);
    if (typeof budget !== 'number') return fail(budget.field, budget.message);
    caps.budget = budget;
  }
  const variants: Record<string, unknown> = {};
  for (const row of form.variants) {
    const locale = row.locale.trim();
    if (Object.hasOwn(variants, locale)) return fail(`Locale ${locale}`, `the locale ${locale} has two variants`);
    try {
      variants[locale] = JSON.parse(row.content) as unknown;
    } catch (error) {
      return fail(`Content of ${locale}`, `the content of ${locale || 'a variant'} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (form.variants.length === 0) return fail('Variants', 'an action needs at least one content variant');
  const schedule = { ...(form.start === '' ? {} : { start: utc(form.start) }), ...(form.end === '' ? {} : { end: utc(form.end) }) };
  const placements = form.placements.split(',').map((p) => p.trim()).filter((p) => p !== '');
  return {
    ok: true,
    definition: {
      id: form.id.trim(), placements, priority, value, variants,
      ...(form.name.trim() === '' ? {} : { name: form.name.trim() }),
      ...(form.rule.trim() === '' ? {} : { rule: form.rule }),
      ...(Object.keys(schedule).length === 0 ? {} : { schedule }),
      ...(Object.keys(caps).length === 0 ? {} : { caps: caps as ActionDefinition['caps'] }),
      ...(form.enabled ? {} : { enabled: false }),
    },
  };
}
