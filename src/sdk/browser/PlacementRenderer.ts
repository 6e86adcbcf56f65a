import type { DecideResponse, DecisionView } from '../../api/decideSchemas.js';
import type { ClosestLike, DocumentLike, ElementLike } from './BrowserEnvironment.js';

/** A decision as the page sees it: with the placement and channel it was made for, which its events must name. */
export interface RenderedDecision extends DecisionView {
  readonly placement: string;
  readonly channel: string;
}

/** What dismiss and convert need to know of a decision. */
export interface DecisionRef {
  readonly decisionId: string;
  readonly actionId: string | null;
  readonly placement: string;
  readonly channel?: string | null;
}

/**
 * Turns a decision's content into HTML. Strings in the content come from the server
 * HTML-escaped where they hold profile or context values, so a template may insert them
 * as they are; anything the template adds itself it must escape.
 */
export type TemplateFunction = (content: unknown, decision: RenderedDecision) => string;

export const placementAttribute = 'data-attune-placement';
export const decisionAttribute = 'data-attune-decision';
/** What counts as a click on a decision: links, buttons and anything marked. */
const clickableSelector = '[data-attune-click],a,button';

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function hasClosest(value: unknown): value is ClosestLike {
  return typeof value === 'object' && value !== null && typeof (value as { closest?: unknown }).closest === 'function';
}

/** Fallbacks the SDK made up itself: they say nothing of what to show, so what is shown stays. */
const localFallbacks: ReadonlySet<string | null> = new Set(['timeout', 'error']);

/**
 * Renders decisions into the page's placement elements (`data-attune-placement="id"`,
 * whose own HTML is the default content) and reports clicks on them. An element is
 * changed only when a decision with an action arrived and the page registered a template
 * for its placement; otherwise it keeps its default. Each decision is wrapped in a
 * `<div data-attune-decision="...">`, so that a click in a placement showing several
 * decisions is attributed to the right one. When a later render (after a login, say) gets
 * the server's fallback, the element gets its original default back; when it times out,
 * it keeps what it shows.
 */
export class PlacementRenderer {
  private readonly templates = new Map<string, TemplateFunction>();
  private readonly shown = new WeakMap<ElementLike, readonly RenderedDecision[]>();
  /** Each element's own HTML, kept the first time a decision replaces it. */
  private readonly defaults = new WeakMap<ElementLike, string>();
  private readonly listening = new WeakSet<ElementLike>();

  constructor(
    private readonly document: DocumentLike,
    private readonly onClick: (decision: RenderedDecision) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  template(placement: string, render: TemplateFunction): void {
    this.templates.set(placement, render);
  }

  /** The placement ids present in the page, in document order, each once. */
  placementsInPage(): string[] {
    const ids = new Set<string>();
    for (const element of Array.from(this.document.querySelectorAll(`[${placementAttribute}]`))) {
      const id = element.getAttribute(placementAttribute);
      if (id !== null && id.length > 0) ids.add(id);
    }
    return [...ids];
  }

  /** Renders what can be rendered; returns the decisions now shown (each once, for impressions). */
  render(response: DecideResponse): RenderedDecision[] {
    const elements = new Map<string, ElementLike[]>();
    for (const element of Array.from(this.document.querySelectorAll(`[${placementAttribute}]`))) {
      const id = element.getAttribute(placementAttribute);
      if (id === null) continue;
      const list = elements.get(id) ?? [];
      list.push(element);
      elements.set(id, list);
    }
    const shown: RenderedDecision[] = [];
    for (const placement of response.placements) {
      const targets = elements.get(placement.placement);
      const template = this.templates.get(placement.placement);
      // Default content (actionId null) is already on the page, as the page's own HTML.
      const decisions: RenderedDecision[] = placement.decisions
        .filter((d) => d.actionId !== null)
        .map((d) => ({ ...d, placement: placement.placement, channel: placement.channel ?? 'web' }));
      if (targets === undefined) continue;
      if (template === undefined || decisions.length === 0) {
        if (!localFallbacks.has(placement.fallback)) for (const element of targets) this.restore(element);
        continue;
      }
      let html: string;
      try {
        html = decisions.map((d) => `<div ${decisionAttribute}="${escapeAttribute(d.decisionId)}">${template(d.content, d)}</div>`).join('');
      } catch (error) {
        this.onError(error);
        continue;
      }
      for (const element of targets) {
        if (!this.defaults.has(element)) this.defaults.set(element, element.innerHTML);
        element.innerHTML = html;
        this.shown.set(element, decisions);
        this.listen(element);
      }
      shown.push(...decisions);
    }
    return shown;
  }

  private restore(element: ElementLike): void {
    const original = this.defaults.get(element);
    if (original === undefined) return;
    element.innerHTML = original;
    this.shown.delete(element);
  }

  private listen(element: ElementLike): void {
    if (this.listening.has(element)) return;
    this.listening.add(element);
    element.addEventListener('click', (event) => {
      const decisions = this.shown.get(element);
      if (decisions === undefined || !hasClosest(event.target)) return;
      const clickable = event.target.closest(clickableSelector);
      if (clickable === null || !element.contains(clickable)) return;
      const holder = event.target.closest(`[${decisionAttribute}]`);
      const id = holder !== null && element.contains(holder) ? holder.getAttribute(decisionAttribute) : null;
      const decision = decisions.find((d) => d.decisionId === id) ?? (decisions.length === 1 ? decisions[0] : undefined);
      if (decision !== undefined) this.onClick(decision);
    });
  }
}
