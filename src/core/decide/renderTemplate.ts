import type { RuleValue } from '../rules/values.js';

const escapes: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => escapes[c]!);
}

/** Reads a dotted path (`profile.traits.first_name`) from the template data, own properties only. */
function lookup(data: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown = data;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

// {{ path }}, {{ path | "fallback" }}, and {{{ path }}} for values that must not be escaped.
const placeholder = /\{\{(\{)?\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(?:\|\s*"((?:[^"\\]|\\.)*)"\s*)?(\})?\}\}/g;

/**
 * Fills `{{ path }}` placeholders in every string of a content document with values from
 * `data` (profile, context, ...). Values are HTML-escaped unless written `{{{ path }}}`; a
 * missing value gives the fallback after `|`, or nothing. Only strings are touched; the
 * structure of the content is kept.
 *
 * @example renderTemplate({ title: 'Hi {{ profile.traits.name | "there" }}' }, { profile: { traits: {} } }) // { title: 'Hi there' }
 */
export function renderTemplate(content: RuleValue, data: Readonly<Record<string, unknown>>): RuleValue {
  if (typeof content === 'string') {
    return content.replace(placeholder, (_match, raw: string | undefined, path: string, fallback: string | undefined, close: string | undefined) => {
      const value = lookup(data, path);
      const rendered = value === undefined || value === null || value === '' ? (fallback ?? '').replace(/\\(.)/g, '$1') : text(value);
      return raw !== undefined && close !== undefined ? rendered : escapeHtml(rendered);
    });
  }
  if (Array.isArray(content)) return content.map((item: RuleValue) => renderTemplate(item, data));
  if (typeof content === 'object' && content !== null) {
    return Object.fromEntries(Object.entries(content).map(([key, value]) => [key, renderTemplate(value, data)]));
  }
  return content;
}

/**
 * The locales to try for a request, most specific first, ending with the default:
 * `de-CH` -> `de-CH`, `de`, `default`. Case and `_` separators are normalised.
 */
export function localeChain(locale: string | null | undefined): string[] {
  const chain: string[] = [];
  if (typeof locale === 'string' && /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(locale)) {
    const parts = locale.replace(/_/g, '-').split('-');
    parts[0] = parts[0]!.toLowerCase();
    for (let i = 1; i < parts.length; i++) parts[i] = parts[i]!.length === 2 ? parts[i]!.toUpperCase() : parts[i]!;
    for (let n = parts.length; n >= 1; n--) chain.push(parts.slice(0, n).join('-'));
  }
  chain.push('default');
  return chain;
}

/** The first variant of the chain that exists, with the locale it was found under. */
export function chooseVariant<T>(variants: Readonly<Record<string, T>>, locale: string | null | undefined): { locale: string; variant: T } | null {
  for (const candidate of localeChain(locale)) {
    if (Object.hasOwn(variants, candidate)) return { locale: candidate, variant: variants[candidate]! };
  }
  return null;
}
