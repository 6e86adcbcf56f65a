/** Where the studio is served; client-side routes live below it. */
export const studioBase = '/studio';

/** The studio's pages: their path under /studio, the label in the navigation and what they need. */
export const studioPages = [
  { path: '/', label: 'Overview', permission: 'reports.read' },
  { path: '/customers', label: 'Customers', permission: 'personalData.read' },
  { path: '/segments', label: 'Segments', permission: 'config.read' },
  { path: '/review', label: 'Review', permission: 'config.read' },
  { path: '/actions', label: 'Actions', permission: 'config.read' },
  { path: '/experiments', label: 'Experiments', permission: 'config.read' },
] as const;

export type StudioPage = (typeof studioPages)[number];

/** The page path of a location's pathname: `/studio/customers/u1` is `/customers/u1`. */
export function pagePath(pathname: string): string {
  const rest = pathname.startsWith(studioBase) ? pathname.slice(studioBase.length) : pathname;
  return rest === '' ? '/' : rest;
}
