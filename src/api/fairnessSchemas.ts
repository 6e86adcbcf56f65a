import { Type } from 'typebox';
import { FairnessSettings } from '../core/fairness/FairnessSettings.js';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Id = Type.String({ minLength: 1, maxLength: 512 });

export const FairnessQuery = Type.Object(
  {
    placement: Type.Optional({ ...Id, description: 'A placement (or `experiment`, not both)' }),
    experiment: Type.Optional({ ...Id, description: 'An experiment (or `placement`, not both)' }),
    by: Type.String({ minLength: 1, maxLength: 300, description: '`traits.<name>` (nested: `traits.address.country`) or `segment:<id>`' }),
    action: Type.Optional({ ...Id, description: 'A placement\'s report: count exposure to this action only' }),
    metric: Type.Optional({ ...Id, description: 'An experiment\'s outcome metric (default its primary metric)' }),
    reference: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'The group the others are compared with (default the group with the highest rate of each measure)' })),
    from: Type.Optional({ ...Day, description: 'First UTC day (default 29 days before `to`)' }),
    to: Type.Optional({ ...Day, description: 'Last UTC day, included (default today)' }),
  },
  { additionalProperties: false },
);

const Nullable = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

const GroupDisparity = Type.Object({
  group: Type.String({ description: 'The trait\'s value (`(none)` without one), or `in` / `out` of the segment' }),
  successes: Type.Integer(), units: Type.Integer(), rate: Nullable('successes / units'),
  ratio: Nullable('rate / the reference group\'s rate; null for the reference and groups not compared'),
  lower: Nullable('Katz log interval, 1 − alpha'), upper: Nullable('Katz log interval, 1 − alpha'),
  corrected: Type.Boolean({ description: 'A zero count: the interval is of the counts plus 0.5' }),
  belowThreshold: Type.Boolean(), conclusive: Type.Boolean({ description: 'The interval\'s upper bound is below the threshold too' }),
});

export const FairnessReport = Type.Object(
  {
    subject: Type.Union([
      Type.Object({ kind: Type.Literal('placement'), id: Type.String(), action: Type.Union([Type.String(), Type.Null()]) }),
      Type.Object({ kind: Type.Literal('experiment'), id: Type.String(), metric: Type.String(), arms: Type.Array(Type.String()), control: Type.String() }),
    ]),
    by: Type.String(), from: Type.String(), to: Type.String(), reference: Type.String(),
    threshold: Type.Number(), alpha: Type.Number(), minUnits: Type.Integer(),
    measures: Type.Array(Type.Object({
      measure: Type.String({ description: 'A placement: `exposure`, `click`, `conversion`. An experiment: `exposure:<arm>`, `outcome:<arm>`' }),
      reference: Type.Union([Type.String(), Type.Null()]),
      groups: Type.Array(GroupDisparity),
    })),
    warnings: Type.Array(Type.Object({
      code: Type.Literal('FAIRNESS_BELOW_THRESHOLD'), measure: Type.String(), group: Type.String(), reference: Type.String(),
      ratio: Type.Number(), threshold: Type.Number(), conclusive: Type.Boolean(),
    })),
    groupsOmitted: Type.Integer({ description: 'Groups beyond the 50 largest, left out' }),
  },
  { title: 'FairnessReport' },
);

export const FairnessSettingsView = Type.Object(
  {
    settings: Type.Union([FairnessSettings, Type.Null()], { description: 'As saved (null: never set)' }),
    resolved: Type.Object({ threshold: Type.Number(), alpha: Type.Number(), minUnits: Type.Integer() }, { title: 'ResolvedFairnessSettings' }),
  },
  { title: 'FairnessSettingsView' },
);
