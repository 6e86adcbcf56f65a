import type { RuleValue } from '../rules/values.js';

const escapes: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => escapes[c]!);
}

/**
 * Where a template's values come from, with their trust level carried by the structure, not
 * guessed from names at render time. `trusted` roots hold what the workspace wrote itself
 * (the content being rendered, the chosen action's fields); only they may be inserted
 * unescaped with `{{{ path }}}`. `untrusted` roots hold what people and callers sent (profile
 * traits, features, session, the request context): always HTML-escaped, triple braces or not.
 * A root name in both counts as untrusted.
 *
 * @example { trusted: { content: { html: '<b>Sale</b>' } }, untrusted: { profile: { traits: { name: 'Ada' } }, context: {} } }
 */
export interface TemplateSources {
  readonly trusted: Readonly<Record<string, unknown>>;
  readonly untrusted: Readonly<Record<string, unknown>>;
}

/** Reads a dotted path (`traits.first_name`) below a root's value, own properties only. */
function lookup(root: unknown, path: readonly string[]): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** The value at a dotted path and whether it may go out unescaped (it comes from a trusted root). */
function resolve(sources: TemplateSources, path: string): { value: unknown; trusted: boolean } {
  const [root, ...rest] = path.split('.') as [string, ...string[]];
  if (Object.hasOwn(sources.untrusted, root)) return { value: lookup(sources.untrusted[root], rest), trusted: false };
  if (Object.hasOwn(sources.trusted, root)) return { value: lookup(sources.trusted[root], rest), trusted: true };
  return { value: undefined, trusted: false };
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

// {{ path }}, {{ path | "fallback" }}, and {{{ path }}} for trusted values that must not be escaped.
const placeholder = /\{\{(\{)?\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(?:\|\s*"((?:[^"\\]|\\.)*)"\s*)?(\})?\}\}/g;

/**
 * Fills `{{ path }}` placeholders in every string of a content document with values from
 * `sources`. Values are HTML-escaped; `{{{ path }}}` inserts a value unescaped only when its
 * root is trusted (workspace-written), and escapes it like `{{ }}` otherwise. A missing value
 * gives the fallback after `|` (written in the template, so unescaped in triple braces), or nothing. Only strings are touched; the
 * structure of the content is kept. Values are inserted as they are, not rendered again.
 *
 * @example renderTemplate({ title: 'Hi {{ profile.traits.name | "there" }}' }, { trusted: {}, untrusted: { profile: { traits: {} } } }) // { title: 'Hi there' }
 */
export function renderTemplate(content: RuleValue, sources: TemplateSources): RuleValue {
  if (typeof content === 'string') {
    return content.replace(placeholder, (_match, raw: string | undefined, path: string, fallback: string | undefined, close: string | undefined) => {
      const { value, trusted } = resolve(sources, path);
      const missing = value === undefined || value === null || value === '';
      const rendered = missing ? (fallback ?? '').replace(/\\(.)/g, '$1') : text(value);
      // The fallback is written in the template, by the workspace: as trusted as a trusted root.
      return raw !== undefined && close !== undefined && (trusted || missing) ? rendered : escapeHtml(rendered);
    });
  }
  if (Array.isArray(content)) return content.map((item: RuleValue) => renderTemplate(item, sources));
  if (typeof content === 'object' && content !== null) {
    return Object.fromEntries(Object.entries(content).map(([key, value]) => [key, renderTemplate(value, sources)]));
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
