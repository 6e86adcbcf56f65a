/**
 * The time zone calendar-day caps count in: the request's or event's `context.timezone`
 * (what Segment libraries send), else the profile's `timezone` trait, else null (UTC).
 */
export function timeZoneOf(context: Readonly<Record<string, unknown>> | null | undefined, traits: Readonly<Record<string, unknown>> | null | undefined): string | null {
  const fromContext = context !== null && context !== undefined && Object.hasOwn(context, 'timezone') ? context['timezone'] : undefined;
  if (typeof fromContext === 'string' && fromContext !== '') return fromContext;
  const fromTraits = traits !== null && traits !== undefined && Object.hasOwn(traits, 'timezone') ? traits['timezone'] : undefined;
  return typeof fromTraits === 'string' && fromTraits !== '' ? fromTraits : null;
}
