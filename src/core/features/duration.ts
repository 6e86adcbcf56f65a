const units: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration such as `30m`, `1h`, `24h`, `7d`, `90d`, `2w` into milliseconds; null if malformed. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,5})([mhdw])$/.exec(text);
  if (match === null) return null;
  const ms = Number(match[1]) * units[match[2]!]!;
  return ms > 0 ? ms : null;
}
