import { describe, expect, it } from 'vitest';
import cases from './renderTemplate.cases.json' with { type: 'json' };
import { chooseVariant, localeChain, renderTemplate, type TemplateSources } from './renderTemplate.js';
import type { RuleValue } from '../rules/values.js';

type Data = Partial<TemplateSources>;
const sourcesOf = (data: Data): TemplateSources => ({ trusted: data.trusted ?? {}, untrusted: data.untrusted ?? {} });

describe('renderTemplate (renderTemplate.cases.json)', () => {
  it.each(cases.render as [string, string, Data, string][])('%s', (_name, template, data, expected) => {
    expect(renderTemplate(template, sourcesOf(data))).toBe(expected);
  });
  it.each(cases.renderDocument as [string, RuleValue, Data, RuleValue][])('%s', (_name, content, data, expected) => {
    expect(renderTemplate(content, sourcesOf(data))).toEqual(expected);
  });
});

describe('localeChain and chooseVariant', () => {
  it.each(cases.localeChain as [string, string | null, string[]][])('%s', (_name, locale, expected) => {
    expect(localeChain(locale)).toEqual(expected);
  });
  it.each(cases.chooseVariant as [string, Record<string, string>, string, unknown][])('%s', (_name, variants, locale, expected) => {
    expect(chooseVariant(variants, locale)).toEqual(expected);
  });
});
