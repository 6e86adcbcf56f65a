import { Type } from 'typebox';
import { Reevaluation } from './knowledgeSchemas.js';

const ConsentSettings = Type.Object(
  {
    categoryMap: Type.Record(Type.String(), Type.String(), { description: 'Consent category (normalised: lower case, `_` for spaces and hyphens) -> purpose' }),
    defaults: Type.Record(Type.String(), Type.Boolean(), { description: 'Purpose -> granted before the person decided' }),
    defaultGranted: Type.Boolean({ description: 'For purposes not in `defaults`' }),
  },
  { title: 'ConsentSettings' },
);

/** `resolved`: the settings in force, the saved ones or the built-in opt-out ones. */
export const ConsentSettingsView = Type.Object(
  {
    settings: Type.Union([ConsentSettings, Type.Null()], { description: 'As saved (null: never set)' }),
    resolved: ConsentSettings,
  },
  { title: 'ConsentSettingsView' },
);

export const ConsentSettingsUpdate = Type.Object(
  {
    settings: ConsentSettings,
    resolved: ConsentSettings,
    evaluation: Type.Union([Reevaluation, Type.Null()], { description: 'Every profile evaluated under the new settings; null when they read consent as before' }),
  },
  { title: 'ConsentSettingsUpdate' },
);
