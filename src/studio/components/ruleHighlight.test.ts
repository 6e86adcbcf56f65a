import { describe, expect, it } from 'vitest';
import { highlightRule } from './ruleHighlight.js';

const kinds = (source: string) => highlightRule(source).filter((r) => r.kind !== 'plain').map((r) => `${r.kind}:${r.text}`);

describe('highlightRule', () => {
  it('colours keywords, functions, paths, strings, numbers, operators and comments with the core lexer', () => {
    expect(kinds('features.orders_90d >= 2 and not in_segment("vip") # loyal\nor profile.traits.plan in ["gold", \'silver\']')).toEqual([
      'name:features', 'op:.', 'name:orders_90d', 'op:>=', 'number:2', 'keyword:and', 'keyword:not', 'function:in_segment', 'op:(', 'string:"vip"', 'op:)',
      'comment:# loyal', 'keyword:or', 'name:profile', 'op:.', 'name:traits', 'op:.', 'name:plan', 'keyword:in', 'op:[', 'string:"gold"', 'op:,', "string:'silver'", 'op:]',
    ]);
  });

  it('gives back the text exactly, blanks and line breaks included', () => {
    for (const source of ['', '  a ==\n\t"b"  # c\n', 'x # only a comment', 'profile.traits.plan == "gol', '1abc', 'a = 1', '# x\n# y']) {
      expect(highlightRule(source).map((r) => r.text).join('')).toBe(source);
    }
  });

  it('leaves the text plain from the first fault on', () => {
    expect(highlightRule('a == "open')).toEqual([
      { text: 'a', kind: 'name' }, { text: ' ', kind: 'plain' }, { text: '==', kind: 'op' }, { text: ' "open', kind: 'plain' },
    ]);
    expect(kinds('a = 1')).toEqual(['name:a']);
  });
});
