import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { Type } from 'typebox';
import {
  ItemChange, ItemPage, ItemParams, ItemsQuery, ItemsRequest, ItemWriteResult, UnknownItemsQuery, UnknownItemsReport,
} from '../../api/catalogSchemas.js';
import { problemResponses } from '../../api/schemas.js';
import type { CatalogService } from '../../catalog/CatalogService.js';
import { Item, ItemInput, ItemPatch } from '../../core/catalog/Item.js';
import { itemEventNames } from '../../core/catalog/productIds.js';
import { AttuneError } from '../../core/errors/AttuneError.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { workspaceIdOf } from '../actor.js';

export interface CatalogRoutesOptions {
  readonly workspaces: WorkspaceService;
  /** The engine's: every change of items goes through it. */
  readonly catalog: CatalogService;
}

const errors = problemResponses(400, 401, 403, 404, 503);
const catalogDoc = { tags: ['catalog'], security: [{ secretKeyBearer: [] }] };

const invalidRequest = (field: string, detail: string) => new AttuneError('ATTUNE_INVALID_REQUEST', { detail, field });

// Item bodies are checked by the core (checkItemInput), which names the field at fault and,
// in a batch, the item's index; the schemas document them (and /openapi.json) only.
const documentOnly = () => () => true;

/**
 * The catalog under /admin/v1 (secret key): create or replace one item or many, change some
 * fields, delete, read, list with search, and the report of items that events name and the
 * catalog lacks. The work is CatalogService's.
 */
export async function catalogRoutes(app: FastifyInstance, options: CatalogRoutesOptions): Promise<void> {
  const { catalog } = options;

  app.get('/admin/v1/items', {
    config: { access: 'config.read' },
    schema: { ...catalogDoc, summary: 'List items in id order, a page at a time; `q` searches ids and titles', querystring: ItemsQuery, response: { 200: ItemPage, ...errors } },
  }, async (request) => {
    const { q, after, limit = 100 } = request.query as Static<typeof ItemsQuery>;
    return catalog.listItems(workspaceIdOf(request), { limit, ...(q === undefined ? {} : { q }), ...(after === undefined ? {} : { after }) });
  });

  app.post('/admin/v1/items', {
    config: { access: 'config.write' },
    validatorCompiler: documentOnly,
    schema: {
      ...catalogDoc,
      summary: 'Create or replace one item, or up to 1,000 (`{"items": [...]}`): all are stored, or none when one is invalid (ATTUNE_ITEM_INVALID lists each fault by index)',
      body: ItemsRequest, response: { 200: ItemWriteResult, ...errors },
    },
  }, async (request) => {
    const body = request.body as unknown;
    const batch = typeof body === 'object' && body !== null && !Array.isArray(body) && 'items' in body ? (body as { items: unknown }).items : undefined;
    if (batch !== undefined && (!Array.isArray(batch) || batch.length === 0)) {
      throw invalidRequest('/items', 'items is a list of one item or more');
    }
    if (batch !== undefined && Object.keys(body as object).length > 1) throw invalidRequest('', 'a batch holds `items` only');
    const { items, created, updated } = await catalog.putItems(workspaceIdOf(request), batch ?? [body]);
    return { created, updated, items };
  });

  app.get('/admin/v1/items/:id', {
    config: { access: 'config.read' },
    schema: { ...catalogDoc, summary: 'One item', params: ItemParams, response: { 200: Item, ...errors } },
  }, async (request) => {
    const { id } = request.params as Static<typeof ItemParams>;
    return catalog.getItem(workspaceIdOf(request), id);
  });

  app.put('/admin/v1/items/:id', {
    config: { access: 'config.write' },
    validatorCompiler: documentOnly,
    schema: {
      ...catalogDoc,
      summary: 'Create or replace an item whole (fields left out take their defaults; createdAt is kept unless given); the body may repeat the id',
      params: ItemParams, body: Type.Object({ ...ItemInput.properties, id: Type.Optional(ItemInput.properties.id) }, { additionalProperties: false }),
      response: { 200: ItemChange, 201: ItemChange, ...errors },
    },
  }, async (request, reply) => {
    const { id } = request.params as Static<typeof ItemParams>;
    const change = await catalog.putItem(workspaceIdOf(request), id, request.body);
    return reply.status(change.status === 'created' ? 201 : 200).send(change);
  });

  app.patch('/admin/v1/items/:id', {
    config: { access: 'config.write' },
    validatorCompiler: documentOnly,
    schema: { ...catalogDoc, summary: 'Change some fields of an item in place (availability, price, ...)', params: ItemParams, body: ItemPatch, response: { 200: Item, ...errors } },
  }, async (request) => {
    const { id } = request.params as Static<typeof ItemParams>;
    return catalog.patchItem(workspaceIdOf(request), id, request.body);
  });

  app.delete('/admin/v1/items/:id', {
    config: { access: 'config.write' },
    schema: { ...catalogDoc, summary: 'Delete an item', params: ItemParams, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    const { id } = request.params as Static<typeof ItemParams>;
    await catalog.deleteItem(workspaceIdOf(request), id);
    return reply.status(204).send();
  });

  app.get('/admin/v1/unknown-items', {
    config: { access: 'config.read' },
    schema: {
      ...catalogDoc,
      summary: `Item ids that ${itemEventNames.join(' and ')} events of the last \`days\` (default 30) name and the catalog lacks, most events first: reported, never added`,
      querystring: UnknownItemsQuery, response: { 200: UnknownItemsReport, ...errors },
    },
  }, async (request) => {
    const { limit = 100, days = 30 } = request.query as Static<typeof UnknownItemsQuery>;
    const { since, items } = await catalog.unknownItems(workspaceIdOf(request), { limit, days });
    return { events: [...itemEventNames], since: new Date(since).toISOString(), items: items.map((i) => ({ itemId: i.itemId, events: i.events, lastSeen: new Date(i.lastSeen).toISOString() })) };
  });
}
