import type { CatalogChange } from '../catalog/CatalogService.js';
import type { Item } from '../core/catalog/Item.js';
import { contentRecommender, createContentIndex, removeItemContent, setItemContent, type ContentIndex } from '../core/recommend/content/ContentIndex.js';
import type { ItemContent } from '../core/recommend/content/contentTokens.js';
import { ItemIds } from '../core/recommend/online/ItemIds.js';
import { mapItemSpace, type GrowingItemSpace } from '../core/recommend/online/mapItemSpace.js';
import type { Recommender } from '../core/recommend/Recommender.js';
import type { CatalogStore } from '../store/ports.js';

/** One workspace's index: its own item ids (stable while the process lives) and their content. */
interface WorkspaceContent {
  readonly ids: ItemIds;
  readonly index: ContentIndex;
  /** Settles when the catalog has been read in; changes told meanwhile wait in `pending`. */
  ready: Promise<void>;
  pending: CatalogChange[] | null;
}

/** Items read per page when a workspace's index is built. */
const pageSize = 1000;

/** What content similarity reads of an item: its category path, attributes and price. */
export function itemContent(item: Pick<Item, 'category' | 'attributes' | 'price'>): ItemContent {
  return { category: item.category, attributes: item.attributes, price: item.price ?? undefined };
}

/**
 * The content-similarity index of each workspace's catalog, in memory: built from every item
 * (paged through the catalog store) the first time the workspace asks, then kept current by the
 * catalog's change listener (`apply`, wired with `catalog.onChange`), so an item is similar to
 * others from the moment it is stored, before any event names it. A deleted item leaves the
 * index at once. Nothing is persisted: a restart reads the catalog again on first use.
 *
 * Ids: the index has its own item ids; `contentRecommender(workspaceId, space)` answers in
 * the caller's index space (the online item models' `ids`, which the blend's sources share),
 * translating by item id at the edge (`mapItemSpace`).
 */
export class ContentModels {
  private readonly workspaces = new Map<string, WorkspaceContent>();

  constructor(private readonly deps: { readonly items: Pick<CatalogStore, 'listItems'>; readonly seeds?: number }) {}

  /** The catalog listener: applies a stored change to a workspace's index (or queues it while the index is built). */
  readonly apply = (workspaceId: string, change: CatalogChange): void => {
    const content = this.workspaces.get(workspaceId);
    // Not built yet: the build reads the change from the store.
    if (content === undefined) return;
    if (content.pending !== null) content.pending.push(change);
    else applyChange(content, change);
  };

  /**
   * Items like the history's latest items (TF-IDF cosine over category prefixes, attributes
   * and a price band), as a Recommender over `space`'s indices; `because` names the history
   * item a result is most like.
   *
   * @example const content = await engine.contentModels.contentRecommender(ws, onlineModels.ids)
   */
  async contentRecommender(workspaceId: string, space: GrowingItemSpace): Promise<Recommender> {
    const content = await this.loaded(workspaceId);
    return mapItemSpace(contentRecommender(content.index, this.deps.seeds === undefined ? {} : { seeds: this.deps.seeds }), content.ids, space);
  }

  /** Items the workspace's index holds (after building it). */
  async size(workspaceId: string): Promise<number> {
    return (await this.loaded(workspaceId)).index.tokens.size;
  }

  private async loaded(workspaceId: string): Promise<WorkspaceContent> {
    let content = this.workspaces.get(workspaceId);
    if (content === undefined) {
      const built: WorkspaceContent = { ids: new ItemIds(), index: createContentIndex(), ready: Promise.resolve(), pending: [] };
      built.ready = this.build(workspaceId, built.ids, built.index).then(
        () => {
          // The changes stored while pages were read, in order: each replaces what a page had.
          for (const change of built.pending ?? []) applyChange(built, change);
          built.pending = null;
        },
        (error: unknown) => {
          // Built again on the next call rather than serving a partial index.
          this.workspaces.delete(workspaceId);
          throw error;
        },
      );
      this.workspaces.set(workspaceId, built);
      content = built;
    }
    await content.ready;
    return content;
  }

  private async build(workspaceId: string, ids: ItemIds, index: ContentIndex): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.items.listItems(workspaceId, { limit: pageSize, ...(after === undefined ? {} : { after }) });
      for (const item of page.items) setItemContent(index, ids.index(item.id), itemContent(item));
      if (page.next === null) return;
      after = page.next;
    }
  }
}

function applyChange(content: WorkspaceContent, change: CatalogChange): void {
  if (change.kind === 'put') {
    for (const item of change.items) setItemContent(content.index, content.ids.index(item.id), itemContent(item));
  } else {
    for (const id of change.ids) {
      const item = content.ids.find(id);
      if (item !== undefined) removeItemContent(content.index, item);
    }
  }
}
