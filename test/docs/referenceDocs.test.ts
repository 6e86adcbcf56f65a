import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionDefinition } from '../../src/core/decide/ActionDefinition.js';
import { capRuleProblems, CapRules } from '../../src/core/decide/caps.js';
import { PlacementDefinition } from '../../src/core/decide/PlacementDefinition.js';
import { ScoringStrategy } from '../../src/core/decide/scoring.js';
import { ArmServe, ExperimentArm, ExperimentDefinition, experimentProblems } from '../../src/core/experiments/ExperimentDefinition.js';
import { MeasurementSettings } from '../../src/core/experiments/MeasurementSettings.js';
import { MetricDefinition } from '../../src/core/experiments/MetricDefinition.js';
import { compileMetric } from '../../src/core/experiments/metricValues.js';
import { compileFeatures } from '../../src/core/features/compileFeatures.js';
import { aggregates, FeatureDefinition } from '../../src/core/features/FeatureDefinition.js';
import { DecideRequest } from '../../src/api/decideSchemas.js';
import { PersonalizerRankRequest, PersonalizerRewardRequest } from '../../src/api/personalizerSchemas.js';
import { SegmentPlanRequest, SegmentPlanView, SegmentValueView } from '../../src/api/predictionSchemas.js';
import { PolicyEvaluationRequest, PromotionRequest } from '../../src/api/opeSchemas.js';
import { checkItemInput, checkItemPatch } from '../../src/core/catalog/checkItem.js';
import { ItemInput, ItemPatch } from '../../src/core/catalog/Item.js';
import { PlannedEvent, PlannedProperty, TrackingPlan } from '../../src/core/quality/TrackingPlan.js';
import { FairnessSettings } from '../../src/core/fairness/FairnessSettings.js';
import { basicAuth, bearer, startHarness, type Harness } from '../support/harness.js';
import { fencedBlocks } from './readmeSnippets.js';

/*
 * The reference docs kept honest where it is cheap: every field and every literal of the
 * definitions' schemas is named in its doc, every marked JSON example validates against its
 * schema (and compiles, where the core has a compiler), and every public name of the SDKs is
 * documented.
 */
const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The schemas each doc documents; ```json <Name> blocks in it are validated against them. */
const docs: Readonly<Record<string, Readonly<Record<string, TSchema>>>> = {
  'docs/features.md': { FeatureDefinition },
  'docs/decisions.md': { PlacementDefinition, ScoringStrategy, ActionDefinition, CapRules, DecideRequest },
  'docs/experiments.md': { ExperimentDefinition, ExperimentArm, ArmServe, MetricDefinition, MeasurementSettings },
  'docs/catalog.md': { ItemInput, ItemPatch },
  'docs/personalizer.md': { PersonalizerRankRequest, PersonalizerRewardRequest },
  'docs/predictions.md': { SegmentValueView, SegmentPlanRequest, SegmentPlanView },
  'docs/ope.md': { PolicyEvaluationRequest, PromotionRequest },
  'docs/quality.md': { TrackingPlan, PlannedEvent, PlannedProperty, FairnessSettings },
};

/** What the core checks beyond the schema, for the examples: nothing is thrown or listed. */
const deeperChecks: Readonly<Record<string, (value: never) => unknown>> = {
  FeatureDefinition: (value: FeatureDefinition) => compileFeatures([value]),
  MetricDefinition: (value: MetricDefinition) => compileMetric(value),
  ExperimentDefinition: (value: ExperimentDefinition) => expect(experimentProblems(value)).toEqual([]),
  ActionDefinition: (value: ActionDefinition) => expect(capRuleProblems(value.caps ?? {})).toEqual([]),
  CapRules: (value: CapRules) => expect(capRuleProblems(value)).toEqual([]),
  ItemInput: (value: unknown) => expect(checkItemInput(value)).toMatchObject({ ok: true }),
  ItemPatch: (value: unknown) => expect(checkItemPatch(value)).toMatchObject({ ok: true }),
};

function isSchema(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The property names and string literals a schema declares, down to (not into) the nested
 * schemas that have a title of their own: those are documented, and listed, on their own.
 */
function namesOf(schema: unknown, top = true): Set<string> {
  const names = new Set<string>();
  if (!isSchema(schema) || (!top && typeof schema['title'] === 'string')) return names;
  if (typeof schema['const'] === 'string') names.add(schema['const']);
  const properties = isSchema(schema['properties']) ? schema['properties'] : {};
  const nested: unknown[] = [...Object.values(properties), schema['items'], schema['additionalProperties']];
  for (const key of ['anyOf', 'allOf', 'oneOf', 'prefixItems']) if (Array.isArray(schema[key])) nested.push(...(schema[key] as unknown[]));
  if (isSchema(schema['patternProperties'])) nested.push(...Object.values(schema['patternProperties']));
  for (const name of Object.keys(properties)) names.add(name);
  for (const child of nested) for (const name of namesOf(child, false)) names.add(name);
  return names;
}

/** The ```json blocks marked with a schema name (```json FeatureDefinition), in order. */
function markedExamples(markdown: string): { schema: string; text: string }[] {
  return [...markdown.matchAll(/^```json[ \t]+(\w+)[ \t]*\n([\s\S]*?)^```[ \t]*$/gm)].map((m) => ({ schema: m[1]!, text: m[2]! }));
}

describe.each(Object.entries(docs))('%s', (path, schemas) => {
  const doc = read(path);

  it.each(Object.entries(schemas))('names every field and literal of %s', (_name, schema) => {
    const missing = [...namesOf(schema)].filter((name) => !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('gives valid examples, each marked with its schema', () => {
    const examples = markedExamples(doc);
    expect(examples.map((e) => e.schema).filter((name) => !(name in schemas))).toEqual([]);
    for (const name of Object.keys(schemas)) {
      if (name === 'ArmServe' || name === 'ExperimentArm' || name === 'ScoringStrategy') continue; // shown inside their parents' examples
      expect(examples.some((e) => e.schema === name), `an example of ${name}`).toBe(true);
    }
    for (const { schema, text } of examples) {
      const value: unknown = JSON.parse(text);
      const check = Compile(schemas[schema]!);
      expect([...check.Errors(value)].map((e) => `${e.instancePath} ${e.message}`), `${schema}: ${text}`).toEqual([]);
      deeperChecks[schema]?.(value as never);
    }
  });

  it('is linked from the README', () => {
    expect(read('README.md')).toContain(`(${path})`);
  });
});

describe('docs/features.md', () => {
  it.each(aggregates)('has a row for the aggregate %s', (aggregate) => {
    expect(read('docs/features.md')).toMatch(new RegExp(`^\\| [^|\\n]*\`${aggregate}\``, 'm'));
  });

  it('shows its sh snippets with the README\'s placeholders', () => {
    for (const block of fencedBlocks(read('docs/features.md'), 'sh')) expect(block).toContain('http://127.0.0.1:4700/');
  });
});

/** Where the API takes each kind of example, and the answer's member that must list no problem. */
const endpoints: Readonly<Record<string, (value: Record<string, unknown>) => { method: 'PUT' | 'POST'; url: string; clean?: string }>> = {
  FeatureDefinition: (v) => ({ method: 'PUT', url: `/admin/v1/features/${String(v['name'])}` }),
  PlacementDefinition: (v) => ({ method: 'PUT', url: `/admin/v1/placements/${String(v['id'])}` }),
  ActionDefinition: (v) => ({ method: 'PUT', url: `/admin/v1/actions/${String(v['id'])}`, clean: 'action.problems' }),
  MetricDefinition: (v) => ({ method: 'PUT', url: `/admin/v1/metrics/${String(v['id'])}` }),
  ExperimentDefinition: (v) => ({ method: 'PUT', url: `/admin/v1/experiments/${String(v['id'])}`, clean: 'warnings' }),
  MeasurementSettings: () => ({ method: 'PUT', url: '/admin/v1/measurement' }),
  DecideRequest: () => ({ method: 'POST', url: '/v1/decide' }),
  PersonalizerRankRequest: () => ({ method: 'POST', url: '/personalizer/v1.0/rank' }),
  TrackingPlan: () => ({ method: 'PUT', url: '/admin/v1/tracking-plan' }),
  FairnessSettings: () => ({ method: 'PUT', url: '/admin/v1/fairness/settings' }),
};

describe('the API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('accepts every marked example, in the docs\' order, with no problem listed', async () => {
    const examples = Object.keys(docs).flatMap((path) => markedExamples(read(path)).map((e) => ({ ...e, path })));
    let sent = 0;
    for (const { schema, text, path } of examples) {
      const endpoint = endpoints[schema];
      if (endpoint === undefined) continue;
      const value = JSON.parse(text) as Record<string, unknown>;
      const { method, url, clean } = endpoint(value);
      const authorization = schema === 'DecideRequest' ? basicAuth(h.a.writeKey) : bearer(h.a.secretKey);
      const response = await h.app.inject({ method, url, headers: { authorization }, payload: value });
      expect(response.statusCode, `${path}: ${method} ${url}: ${response.body}`).toBeLessThan(300);
      if (clean !== undefined) {
        const listed = clean.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], response.json());
        expect(listed, `${path}: ${url}`).toEqual([]);
      }
      sent += 1;
    }
    expect(sent).toBeGreaterThanOrEqual(Object.keys(endpoints).length);
  });
});

/** The public names of a source file: exported values, public class members and interface members. */
function publicNames(path: string, declarations: readonly string[]): string[] {
  const source = ts.createSourceFile(path, read(path), ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  const isPrivate = (node: ts.Node) => (ts.canHaveModifiers(node) ? ts.getModifiers(node) ?? [] : []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword);
  source.forEachChild((node) => {
    if ((ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) && node.name !== undefined && declarations.includes(node.name.text)) {
      for (const member of node.members) {
        if (member.name === undefined || !ts.isIdentifier(member.name) || isPrivate(member) || ts.isConstructorDeclaration(member)) continue;
        names.push(member.name.text);
      }
    }
    if (ts.isExportDeclaration(node) && node.exportClause !== undefined && ts.isNamedExports(node.exportClause) && !node.isTypeOnly) {
      for (const element of node.exportClause.elements) if (!element.isTypeOnly) names.push(element.name.text);
    }
  });
  return names;
}

/** Each SDK doc, with the source files whose public names it documents (and the classes and interfaces read). */
const sdkDocs: [string, [string, string[]][]][] = [
  ['docs/sdk-browser.md', [
    ['src/sdk/browser/index.ts', []],
    ['src/sdk/browser/AttuneBrowser.ts', ['AttuneOptions', 'DecideOptions', 'RenderResult', 'AttuneBrowser']],
    ['src/sdk/browser/ConsentStore.ts', ['ConsentPreferences']],
  ]],
  ['docs/sdk-node.md', [
    ['src/sdk/node/index.ts', []],
    ['src/sdk/node/AttuneClient.ts', ['AttuneClientOptions', 'AttuneClient']],
    ['src/sdk/node/httpTransport.ts', ['HttpTransportOptions']],
    ['src/sdk/node/openEmbedded.ts', ['EmbeddedOptions']],
    ['src/sdk/node/AttuneApiError.ts', ['AttuneApiError']],
    ['src/sdk/node/AttuneTransport.ts', ['AttuneTransport']],
  ]],
];

describe.each(sdkDocs)('%s', (path, sources) => {
  const doc = read(path);

  it.each(sources)('documents every public name of %s', (source, declarations) => {
    const names = publicNames(source, declarations);
    expect(names.length).toBeGreaterThan(0);
    // `name`, `name(...)` or `name?`: a name in backticks, as a value, a call or an option.
    expect(names.filter((name) => !new RegExp(`\`${name}[\`(?]`).test(doc))).toEqual([]);
  });

  it('is linked from the README', () => {
    expect(read('README.md')).toContain(`(${path})`);
  });
});
