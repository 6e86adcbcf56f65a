/** The Segment call types Attune collects. */
export const callTypes = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type CallType = (typeof callTypes)[number];

/** Short route names that Segment's browser library posts to (`/v1/t`, `/v1/i`, ...). */
export const shortCallRoutes: Readonly<Record<string, CallType | 'batch'>> = {
  t: 'track', i: 'identify', p: 'page', s: 'screen', g: 'group', a: 'alias', b: 'batch',
};

export function isCallType(value: unknown): value is CallType {
  return typeof value === 'string' && (callTypes as readonly string[]).includes(value);
}
