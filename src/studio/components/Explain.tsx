import { Button, OverlayArrow, Tooltip, TooltipTrigger } from 'react-aria-components';

/**
 * A statistic's name with what it means, shown on hover and on keyboard focus (React Aria's
 * Tooltip: the explanation is the button's description for screen readers, Escape closes it).
 * The statistics' words live in `statisticTexts`, one place for every page that shows them.
 */
export function Explain({ term, children }: { readonly term: string; readonly children: string }) {
  return (
    <span className="explain">
      {term}
      <TooltipTrigger delay={300} closeDelay={200}>
        <Button className="explain-button" aria-label={`About ${term}`}>?</Button>
        <Tooltip className="explain-tooltip" placement="top" offset={6}>
          <OverlayArrow><svg width={8} height={8} viewBox="0 0 8 8" aria-hidden="true"><path d="M0 0 L4 4 L8 0" /></svg></OverlayArrow>
          {children}
        </Tooltip>
      </TooltipTrigger>
    </span>
  );
}
