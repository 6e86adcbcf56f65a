import { numberOrNote, readNumber, type UnreadableSink } from '../common/readNumber.js';
import { recordClick, recordDismiss, recordImpression, type CapState } from './caps.js';

/**
 * How people's responses to decisions come back: as ordinary track events whose
 * `properties.decisionId` names the decision. The SDKs send them; any Segment library can.
 * Each updates the profile's frequency-cap state (impressions, dismisses, clicks) and the
 * action's outcome counters, in the same commit as the event.
 *
 * @example { "type": "track", "event": "Decision Clicked", "properties": { "decisionId": "d_...", "actionId": "spring-sale", "placement": "home-hero", "channel": "web" } }
 */
export const interactionEvents = {
  'Decision Viewed': 'impression',
  'Decision Clicked': 'click',
  'Decision Dismissed': 'dismiss',
  'Decision Converted': 'conversion',
} as const;

export type InteractionKind = (typeof interactionEvents)[keyof typeof interactionEvents];
export type InteractionEventName = keyof typeof interactionEvents;

/** An interaction read from an event. */
export interface Interaction {
  readonly kind: InteractionKind;
  readonly decisionId: string;
  readonly actionId: string;
  readonly placementId: string;
  readonly channel: string;
  /** For conversions: `properties.value`, else `properties.revenue` (numbers or numeric strings, `readNumber`), else 0. */
  readonly value: number;
  readonly at: number;
  readonly timeZone: string | null;
}

const definitionId = /^[a-z0-9][a-z0-9_.-]{0,99}$/;
const channelName = /^[a-z][a-z0-9_-]{0,39}$/;

function text(value: unknown, max = 200): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : null;
}

/**
 * The interaction an event reports, or null: a track event of one of the four names, with
 * string `decisionId`, `actionId` and `placement` properties (`channel` defaults to web).
 */
export function readInteraction(
  event: { readonly type: string; readonly name: string | null; readonly properties?: Readonly<Record<string, unknown>> | null; readonly context?: Readonly<Record<string, unknown>> | null; readonly timestamp: number },
  unreadable?: UnreadableSink,
): Interaction | null {
  if (event.type !== 'track' || event.name === null || !Object.hasOwn(interactionEvents, event.name)) return null;
  const p = event.properties;
  if (p === null || p === undefined) return null;
  const decisionId = text(p['decisionId']);
  const actionId = text(p['actionId']);
  const placementId = text(p['placement']);
  // Ids become keys of the profile's cap state and rows of the outcome counters: only ids an
  // action or placement could have (ActionDefinition's DecisionId) count.
  if (decisionId === null || actionId === null || placementId === null || !definitionId.test(actionId) || !definitionId.test(placementId)) return null;
  // A channel that no placement could have counts as the web's (the SDKs' default).
  const channel = typeof p['channel'] === 'string' && channelName.test(p['channel']) ? p['channel'] : 'web';
  const kind = interactionEvents[event.name as InteractionEventName];
  const value = kind !== 'conversion' ? 0 : conversionValue(p, unreadable);
  const zone = event.context?.['timezone'];
  return {
    kind,
    decisionId,
    actionId,
    placementId,
    channel,
    value,
    at: event.timestamp,
    timeZone: typeof zone === 'string' ? zone : null,
  };
}

/**
 * A conversion's value: `properties.value`, else `properties.revenue` (Segment's e-commerce
 * names; numbers or numeric strings, `readNumber`), else 0. A value that cannot be read is
 * reported, and the conversion still counts.
 *
 * @example conversionValue({ revenue: '12.50' }) // 12.5
 */
export function conversionValue(properties: Readonly<Record<string, unknown>>, unreadable?: UnreadableSink): number {
  return numberOrNote(readNumber(properties['value']), 'properties.value', unreadable)
    ?? numberOrNote(readNumber(properties['revenue']), 'properties.revenue', unreadable) ?? 0;
}

/**
 * What an interaction does to a profile's cap state, in place: an impression counts toward
 * the windowed and per-channel caps, a dismiss and a click start their cool-downs, a
 * conversion changes nothing here (it counts in the action's outcome counters).
 */
export function applyInteraction(state: CapState, interaction: Interaction): CapState {
  switch (interaction.kind) {
    case 'impression':
      return recordImpression(state, { actionId: interaction.actionId, placementId: interaction.placementId, channel: interaction.channel, at: interaction.at, timeZone: interaction.timeZone });
    case 'dismiss':
      return recordDismiss(state, { actionId: interaction.actionId, at: interaction.at });
    case 'click':
      return recordClick(state, { actionId: interaction.actionId, at: interaction.at });
    case 'conversion':
      return state;
  }
}
