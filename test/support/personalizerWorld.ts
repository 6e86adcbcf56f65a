/**
 * A small world for the Personalizer-compatible loop's learning tests: two kinds of visitor,
 * three actions, and the right action for each kind (it pays nine times in ten, the others one
 * time in ten).
 */
export const bikeActions = [
  { id: 'mountain-bike', features: [{ category: 'outdoor', price: { band: 'high' } }] },
  { id: 'city-bike', features: [{ category: 'commute', price: { band: 'mid' } }] },
  { id: 'helmet', features: [{ category: 'safety', price: { band: 'low' } }] },
];

export const visitorContexts = {
  weekend: [{ user: { segment: 'hiker', visits: 3 } }, { time: { weekday: false } }],
  weekday: [{ user: { segment: 'commuter', visits: 3 } }, { time: { weekday: true } }],
};

export type VisitorKind = keyof typeof visitorContexts;

export const bestBike: Readonly<Record<VisitorKind, string>> = { weekend: 'mountain-bike', weekday: 'city-bike' };

/** Whether the chosen action pays, for a uniform draw `u`. */
export function pays(kind: VisitorKind, chosen: string, u: number): boolean {
  return u < (chosen === bestBike[kind] ? 0.9 : 0.1);
}
