import type { ReactNode } from 'react';

/**
 * A wide table's own horizontal scroller, focusable so a keyboard can scroll it (WCAG 2.1.1;
 * axe's scrollable-region-focusable) even when the table holds no enabled control, as for a
 * role whose buttons are all disabled.
 */
export function ScrollRegion({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return <div className="scroll-region" role="region" aria-label={label} tabIndex={0}>{children}</div>;
}
