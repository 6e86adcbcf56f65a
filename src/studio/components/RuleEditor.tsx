import { useRef, type UIEvent } from 'react';
import { TextArea } from 'react-aria-components';
import { highlightRule } from './ruleHighlight.js';

/**
 * The rule's text area with syntax highlighting. The text area stays the control (typing,
 * selection, undo, screen readers and spell-check settings are the browser's); its own text is
 * transparent over a copy of the rule coloured by `highlightRule`, laid out with the same font,
 * padding and wrapping, hidden from assistive technology and scrolled with it. Put it inside a
 * React Aria TextField, which labels it.
 */
export function RuleEditor({ value, describedBy, rows = 4 }: { readonly value: string; readonly describedBy?: string; readonly rows?: number }) {
  const highlight = useRef<HTMLPreElement>(null);
  const follow = (event: UIEvent<HTMLTextAreaElement>) => {
    if (highlight.current === null) return;
    highlight.current.scrollTop = event.currentTarget.scrollTop;
    highlight.current.scrollLeft = event.currentTarget.scrollLeft;
  };
  return (
    <div className="rule-editor">
      <pre className="rule-highlight" aria-hidden="true" ref={highlight} data-testid="rule-highlight">
        {highlightRule(value).map((run, i) => (run.kind === 'plain' ? run.text : <span key={i} className={`tok-${run.kind}`}>{run.text}</span>))}
        {/* A last line break shows only when followed by something: keep the copy as tall as the text area's text. */}
        {'\n'}
      </pre>
      <TextArea rows={rows} spellCheck={false} aria-describedby={describedBy} onScroll={follow} />
    </div>
  );
}
