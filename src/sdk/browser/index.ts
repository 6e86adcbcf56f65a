/*
 * The entry of both bundles: the ESM build exports these names, and the script-tag build
 * puts them on the global `Attune` (Attune.load, ...).
 */
export { load } from './load.js';
export { AttuneBrowser, type AttuneOptions, type DecideContext, type DecideOptions, type PlacementAsk, type RenderResult } from './AttuneBrowser.js';
export type { ConsentPreferences, ConsentCategory } from './ConsentStore.js';
export type { DecisionRef, RenderedDecision, TemplateFunction } from './PlacementRenderer.js';
export type { BrowserEnvironment } from './BrowserEnvironment.js';
export type { LocalFallback } from './fallbackResponse.js';
export { sdkVersion as version } from '../shared/version.js';
