import { describe, expect, it } from 'vitest';
import type { FeatureDefinition } from '../core/features/FeatureDefinition.js';
import type { SegmentDefinition } from '../core/segments/SegmentDefinition.js';
import { DefinitionsFileError, formatProblem, parseDefinitionsFile, planDefinitionsLoad, type DefinitionProblem } from './definitionsFile.js';

const orders: FeatureDefinition = { name: 'orders_30d', aggregate: 'count', events: ['Order Completed'], window: '30d' };
const revenue: FeatureDefinition = { name: 'revenue_90d', aggregate: 'sum', events: ['Order Completed'], property: 'properties.revenue', window: '90d' };
const buyers: SegmentDefinition = { id: 'buyers', name: 'Buyers', rule: 'features.orders_30d >= 1' };
const big: SegmentDefinition = { id: 'big', name: 'Big buyers', rule: 'in_segment("buyers") and features.revenue_90d > 100' };

/** The problems of a failing parse or plan. */
function problemsOf(run: () => unknown): DefinitionProblem[] {
  try {
    run();
  } catch (error) {
    if (error instanceof DefinitionsFileError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a DefinitionsFileError');
}

describe('parseDefinitionsFile: formats and shapes', () => {
  it.each([
    ['a JSON list', 'f.json', JSON.stringify([orders, revenue]), ['/0', '/1']],
    ['a JSON object with a features list', 'f.json', JSON.stringify({ features: [orders, revenue] }), ['/features/0', '/features/1']],
    ['JSON in a file without an extension', 'features', JSON.stringify([orders, revenue]), ['/0', '/1']],
    ['a YAML list', 'f.yaml', '- name: orders_30d\n  aggregate: count\n  events: [Order Completed]\n  window: 30d\n- name: revenue_90d\n  aggregate: sum\n  events:\n    - Order Completed\n  property: properties.revenue\n  window: 90d\n', ['/0', '/1']],
    ['a YAML object with comments, in a .yml file', 'f.yml', '# shop\nfeatures: # two\n  - {name: orders_30d, aggregate: count, events: [Order Completed], window: 30d}\n  - name: revenue_90d\n    aggregate: sum\n    events: [Order Completed]\n    property: properties.revenue\n    window: 90d\n', ['/features/0', '/features/1']],
  ])('reads %s', (_, file, text, pointers) => {
    const parsed = parseDefinitionsFile(text, file, 'features');
    expect(parsed.items).toEqual([orders, revenue]);
    expect(parsed.pointers).toEqual(pointers);
    expect(parsed.ignored).toBe(0);
  });

  it('reads a file that starts with a byte order mark', () => {
    expect(parseDefinitionsFile(`\uFEFF${JSON.stringify([orders])}`, 'f.json', 'features').items).toEqual([orders]);
  });

  it('reads YAML 1.2: yes, no and on stay strings, and a folded rule keeps its lines', () => {
    const text = 'segments:\n  - id: norway\n    name: no\n    rule: |\n      profile.traits.country == "NO"\n        and profile.traits.plan == "yes"\n';
    const parsed = parseDefinitionsFile(text, 's.yaml', 'segments');
    expect(parsed.items).toEqual([{ id: 'norway', name: 'no', rule: 'profile.traits.country == "NO"\n  and profile.traits.plan == "yes"\n' }]);
  });

  it('counts, and leaves alone, the definitions of the other kind in the same file', () => {
    const parsed = parseDefinitionsFile(JSON.stringify({ features: [orders], segments: [buyers, big] }), 'all.json', 'features');
    expect(parsed.items).toEqual([orders]);
    expect(parsed.ignored).toBe(2);
    expect(parseDefinitionsFile(JSON.stringify({ features: [orders], segments: [buyers] }), 'all.json', 'segments').items).toEqual([buyers]);
  });

  it('locates values by JSON pointer, in YAML and in JSON', () => {
    const yaml = parseDefinitionsFile('features:\n  - name: orders_30d\n    aggregate: count\n', 'f.yaml', 'features');
    expect(yaml.locate('/features/0')).toEqual({ line: 2, column: 5 });
    expect(yaml.locate('/features/0/aggregate')).toEqual({ line: 3, column: 16 });
    // A field that is not there points at its item.
    expect(yaml.locate('/features/0/window')).toEqual({ line: 2, column: 5 });
    const json = parseDefinitionsFile('[\n  {"name": "orders_30d",\n   "aggregate": "count"}\n]', 'f.json', 'features');
    expect(json.locate('/0/aggregate')).toEqual({ line: 3, column: 17 });
  });
});

describe('parseDefinitionsFile: faults name the file, the place, the item and the field', () => {
  it.each([
    ['JSON that does not parse', 'f.json', '[{"name": "a",}]', { pointer: '', line: 1, message: expect.stringMatching(/^not valid JSON: /) }],
    ['YAML that does not parse', 'f.yaml', 'features:\n  - name: a\n   aggregate: count\n', { pointer: '', line: 3, message: expect.stringMatching(/^not valid YAML: /) }],
    ['YAML with a key twice', 'f.yaml', '- name: a\n  name: b\n  aggregate: count\n', { pointer: '', line: 2, message: expect.stringMatching(/^not valid YAML: .*unique/i) }],
    ['a file that is a number', 'f.json', '42', { pointer: '', message: 'the file holds a number; expected a list of features, or an object with a "features" list' }],
    ['an object without the list', 'f.json', '{}', { pointer: '', message: 'no "features" list' }],
    ['an object holding only the other kind', 'f.json', '{"segments": []}', { pointer: '', message: 'no "features" list; this file holds segments: load it with attune segments load' }],
    ['an unknown member', 'f.yaml', 'features: []\nfeatuers: []\n', { pointer: '/featuers', line: 2, message: 'unknown member "featuers": expected a list of features, or an object with a "features" list' }],
    ['a list that is not one', 'f.json', '{"features": {"name": "a"}}', { pointer: '/features', message: '"features" is an object, not a list' }],
  ])('%s', (_, file, text, expected) => {
    const problems = problemsOf(() => parseDefinitionsFile(text, file, 'features'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject(expected);
  });

  it('reports every schema fault of every item, in file order, with the item named', () => {
    const text = [
      'features:',
      '  - name: ok',
      '    aggregate: count',
      '  - name: Weekly',
      '    aggregate: count',
      '    windw: 7d',
      '  - aggregate: average',
      '    property: properties.revenue',
      '  - 3',
      '',
    ].join('\n');
    const problems = problemsOf(() => parseDefinitionsFile(text, 'f.yaml', 'features'));
    expect(problems.map((p) => [p.pointer, p.line, p.subject, p.message])).toEqual([
      ['/features/1/name', 4, 'feature "Weekly"', 'must match pattern "^[a-z][a-z0-9_]{0,63}$"'],
      ['/features/1/windw', 6, 'feature "Weekly"', expect.stringMatching(/^unknown field "windw"; a feature has name, description, aggregate, events, types, where, property, weight, window/)],
      ['/features/2/name', 7, 'feature 2', 'is required'],
      ['/features/2/aggregate', 7, 'feature 2', 'must be one of "count", "sum", "min", "max", "first", "last", "distinct_count", "decayed"'],
      ['/features/3', 9, 'feature 3', 'is a number; a feature is an object'],
    ]);
  });

  it('refuses a name used twice in the file', () => {
    const problems = problemsOf(() => parseDefinitionsFile(JSON.stringify([orders, revenue, { ...orders, window: '7d' }]), 'f.json', 'features'));
    expect(problems).toEqual([expect.objectContaining({ pointer: '/2/name', subject: 'feature "orders_30d"', message: 'name "orders_30d" is already used by /0' })]);
  });

  it('formats a problem as file:line:column, pointer, subject, message, and an indented caret', () => {
    expect(formatProblem('s.yaml', { pointer: '/segments/1/rule', line: 7, column: 11, subject: 'segment "x"', message: 'bad (line 1, column 3)', caret: 'a ? b\n  ^' }))
      .toBe('s.yaml:7:11: /segments/1/rule (segment "x"): bad (line 1, column 3)\n    a ? b\n      ^');
    expect(formatProblem('f.json', { pointer: '', line: null, column: null, subject: null, message: 'no "features" list', caret: null })).toBe('f.json: no "features" list');
  });
});

describe('planDefinitionsLoad', () => {
  const stored = { features: [orders, revenue], segments: [buyers] };

  it('puts the file\'s definitions; --replace also deletes the stored ones it lacks', () => {
    const file = parseDefinitionsFile(JSON.stringify([{ ...revenue, window: '30d' }]), 'f.json', 'features');
    expect(() => planDefinitionsLoad(file, stored, true)).toThrow(DefinitionsFileError); // buyers reads orders_30d
    const kept = planDefinitionsLoad(file, stored, false);
    expect(kept.changes).toEqual({ putFeatures: [{ ...revenue, window: '30d' }], deleteFeatures: [] });
    expect(kept.resetFeatures).toEqual(['revenue_90d']);
    expect(kept.reevaluate).toBe(true);
    const replaced = planDefinitionsLoad(file, { features: [orders, revenue], segments: [] }, true);
    expect(replaced.changes).toEqual({ putFeatures: [{ ...revenue, window: '30d' }], deleteFeatures: ['orders_30d'] });
    expect(replaced.resetFeatures).toEqual(['revenue_90d', 'orders_30d']);
  });

  it('does not reset a feature whose description alone changes, nor a new one', () => {
    const file = parseDefinitionsFile(JSON.stringify([{ description: 'Orders', ...orders }, { name: 'views', aggregate: 'count', types: ['page'] }]), 'f.json', 'features');
    const plan = planDefinitionsLoad(file, stored, false);
    expect(plan.resetFeatures).toEqual([]);
    expect(plan.reevaluate).toBe(false);
  });

  it('resets a built-in feature that is redefined', () => {
    const file = parseDefinitionsFile(JSON.stringify([{ name: 'order_count', aggregate: 'count', events: ['Order Completed', 'Subscription Renewed'] }]), 'f.json', 'features');
    expect(planDefinitionsLoad(file, stored, false).resetFeatures).toEqual(['order_count']);
  });

  it('refuses a feature named like a value derived from the built-ins', () => {
    const file = parseDefinitionsFile(JSON.stringify([orders, { name: 'frequency', aggregate: 'count' }]), 'f.json', 'features');
    expect(problemsOf(() => planDefinitionsLoad(file, stored, false))).toEqual([
      expect.objectContaining({ pointer: '/1/name', subject: 'feature "frequency"', message: expect.stringContaining('derived from the built-in features') }),
    ]);
  });

  it('evaluates new segments and changed rules, not a renamed one', () => {
    const load = (segments: SegmentDefinition[]) => planDefinitionsLoad(parseDefinitionsFile(JSON.stringify({ segments }), 's.json', 'segments'), stored, false);
    expect(load([buyers, big])).toMatchObject({ changes: { putSegments: [buyers, big], deleteSegments: [] }, newSegments: ['big'], reevaluate: true });
    expect(load([{ ...buyers, name: 'Customers' }])).toMatchObject({ newSegments: [], reevaluate: false });
    expect(load([{ ...buyers, rule: 'features.orders_30d >= 2' }])).toMatchObject({ newSegments: [], reevaluate: true });
  });

  it('compiles segments against the stored features and each other, in any file order', () => {
    const file = parseDefinitionsFile(JSON.stringify([big, buyers]), 's.json', 'segments');
    expect(planDefinitionsLoad(file, { features: [orders, revenue], segments: [] }, false).model.segments.ordered.map((s) => s.id)).toEqual(['buyers', 'big']);
  });

  it('names the item, the field and the rule position with a caret for a rule that does not compile', () => {
    const text = 'segments:\n  - id: big\n    name: Big\n    rule: |\n      in_segment("buyers")\n        and features.revenue_9d > 100\n';
    const problems = problemsOf(() => planDefinitionsLoad(parseDefinitionsFile(text, 's.yaml', 'segments'), stored, false));
    expect(problems).toEqual([{
      pointer: '/segments/0/rule', line: 4, column: 11, subject: 'segment "big"',
      message: 'unknown field "features.revenue_9d"; did you mean "features.revenue_90d"? (line 2, column 7)',
      caret: '  and features.revenue_9d > 100\n      ^^^^^^^^^^^^^^^^^^^',
    }]);
  });

  it('names the field of a feature that cannot work, and a where rule\'s position', () => {
    const file = parseDefinitionsFile(JSON.stringify([{ name: 'spend', aggregate: 'sum' }]), 'f.json', 'features');
    expect(problemsOf(() => planDefinitionsLoad(file, stored, false))).toEqual([
      expect.objectContaining({ pointer: '/0/property', subject: 'feature "spend"', message: 'sum needs a property (e.g. properties.revenue)', caret: null }),
    ]);
    const where = parseDefinitionsFile(JSON.stringify([{ name: 'shoes', aggregate: 'count', where: 'event.properties.category = "shoes"' }]), 'f.json', 'features');
    const [problem] = problemsOf(() => planDefinitionsLoad(where, stored, false));
    expect(problem).toMatchObject({ pointer: '/0/where', subject: 'feature "shoes"', message: expect.stringMatching(/\(line 1, column \d+\)$/) });
    expect(problem?.caret).toContain('^');
  });

  it('names a stored segment that a change would break', () => {
    const file = parseDefinitionsFile(JSON.stringify([{ ...orders, aggregate: 'decayed', window: undefined, property: 'properties.category', halfLife: '7d' }]), 'f.json', 'features');
    const [problem] = problemsOf(() => planDefinitionsLoad(file, stored, false));
    expect(problem).toMatchObject({ pointer: '', subject: null, message: expect.stringMatching(/^the stored segment "buyers" \(not in this file\) would no longer compile: rule: /) });
  });

  it('refuses a cycle between segments, naming the segment', () => {
    const file = parseDefinitionsFile(JSON.stringify([
      { id: 'a', name: 'A', rule: 'in_segment("b")' },
      { id: 'b', name: 'B', rule: 'in_segment("a")' },
    ]), 's.json', 'segments');
    const [problem] = problemsOf(() => planDefinitionsLoad(file, stored, false));
    expect(problem).toMatchObject({ pointer: expect.stringMatching(/^\/[01]\/rule$/), message: expect.stringContaining('cycle') });
  });
});
