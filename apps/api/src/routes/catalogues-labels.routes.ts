import {
  type CustomerFilter,
  catalogueProducts,
  checkRenameTarget,
  countSelection,
  createCatalogue,
  createLabel,
  deleteCatalogue,
  deleteLabel,
  editCatalogueProducts,
  editLabels,
  type LabelSelection,
  labelSchema,
  labelUse,
  listCatalogues,
  listLabels,
  renameLabel,
  unknownRefs,
  updateCatalogue,
} from '@customer-hub/customers';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate';
import type { ApiDeps } from '../deps';
import { acceptJob } from '../http/accept-job';
import { customerFilterBody } from '../http/customer-filter';
import { json, jsonBody, listOf, pageOf, pathParam, ref, schema } from '../http/doc';
import { notFound } from '../http/errors';
import { PRODUCT_PAGE, pageParameters, pageQuery } from '../http/page';
import { defineRoutes } from '../http/route';
import { parseBody, parseQuery } from '../http/validate';

const code = z.string().trim().min(1).max(64);
const name = z.string().trim().min(1).max(200);
const codes = z.array(code).max(10_000).default([]);
const newCatalogue = z.object({ code, name, main: z.boolean().default(false) }).strict();
const cataloguePatch = z.object({ name: name.optional(), main: z.boolean().optional() }).strict();
/** An edit may not both add and remove one thing (which would win is a guess): the refusal names them. */
const notBoth = (what: string) => (v: { add: string[]; remove: string[] }, ctx: z.RefinementCtx) => {
  const removed = new Set(v.remove);
  const both = [...new Set(v.add.filter((x) => removed.has(x)))];
  if (both.length) {
    ctx.addIssue({ code: 'custom', message: `${what} both added and removed: ${both.join(', ')}; give each once` });
  }
};
const catalogueProductsEdit = z.object({ add: codes, remove: codes }).strict().superRefine(notBoth('products'));
const labelBody = z.object({ name: labelSchema }).strict();
const AS_A_JOB =
  'a label on more customers is changed by a job (202), on all of them in one transaction, and its counts say ' +
  'how many (selected, changed).';

/** Whether a label is on more customers than a call changes at once (a 404 when there is no such label). */
async function onManyCustomers(deps: ApiDeps, accountId: string, name: string): Promise<boolean> {
  const carrying = await labelUse(deps.ds.manager, accountId, name);
  if (carrying === null) throw notFound('label');
  return carrying > deps.config.customers.labelEditSyncLimit;
}

/** A catalogue's page of product codes holds one of these per product. */
const PRODUCT_ITEM = { type: 'object', required: ['product'], properties: { product: { type: 'string' } } };
const LABEL_EDIT_RESULT = {
  type: 'object',
  required: ['selected', 'changed'],
  properties: {
    selected: { type: 'integer', description: 'Customers the selection named' },
    changed: { type: 'integer', description: 'Of those, the ones whose labels changed' },
    unknownRefs: { type: 'array', items: { type: 'string' }, description: 'Given numbers that name no customer' },
  },
};
const labelEdit = z
  .object({
    customerRefs: z.array(code).min(1).max(100_000).optional(),
    filter: customerFilterBody.optional(),
    add: z.array(labelSchema).max(50).default([]),
    remove: z.array(labelSchema).max(50).default([]),
  })
  .strict()
  .refine((v) => (v.customerRefs === undefined) !== (v.filter === undefined), 'give customerRefs or filter, not both')
  .refine((v) => v.add.length + v.remove.length > 0, 'give labels to add or remove')
  .superRefine(notBoth('labels'));

export const catalogueLabelRoutes = defineRoutes([
  {
    method: 'get',
    path: '/catalogues',
    permission: 'customers:read',
    doc: {
      summary: 'Catalogues, the main one first',
      responses: { 200: json('Catalogues', listOf(schema('Catalogue'))) },
    },
    async handler(req, res, deps) {
      res.json({ items: await listCatalogues(deps.ds.manager, principalOf(req).accountId) });
    },
  },
  {
    method: 'post',
    path: '/catalogues',
    permission: 'customers:write',
    doc: {
      summary: 'Create a catalogue (main: true makes it the main one)',
      requestBody: jsonBody(newCatalogue),
      responses: { 201: json('The catalogue', schema('Catalogue')) },
    },
    async handler(req, res, deps) {
      const k = parseBody(newCatalogue, req);
      res.status(201).json(await deps.ds.transaction((m) => createCatalogue(m, principalOf(req).accountId, k)));
    },
  },
  {
    method: 'patch',
    path: '/catalogues/:code',
    permission: 'customers:write',
    doc: {
      summary: 'Rename a catalogue, or make it the main one (main: true) or an additional one (main: false)',
      parameters: [pathParam('code')],
      requestBody: jsonBody(cataloguePatch),
      responses: { 200: json('The catalogue', schema('Catalogue')), 404: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      const k = parseBody(cataloguePatch, req);
      const out = await deps.ds.transaction((m) =>
        updateCatalogue(m, principalOf(req).accountId, String(req.params.code), k),
      );
      if (!out) throw notFound('catalogue');
      res.json(out);
    },
  },
  {
    method: 'delete',
    path: '/catalogues/:code',
    permission: 'customers:write',
    doc: {
      summary: 'Delete a catalogue no customer is assigned to (its product codes go with it)',
      parameters: [pathParam('code')],
      responses: { 204: { description: 'Deleted' }, 409: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      if (!(await deleteCatalogue(deps.ds.manager, principalOf(req).accountId, String(req.params.code))))
        throw notFound('catalogue');
      res.status(204).end();
    },
  },
  {
    method: 'get',
    path: '/catalogues/:code/products',
    permission: 'customers:read',
    doc: {
      summary: 'Product codes assigned to a catalogue, in pages',
      parameters: [pathParam('code'), ...pageParameters(...PRODUCT_PAGE)],
      responses: {
        200: json('A page of codes and the next cursor', pageOf(PRODUCT_ITEM)),
        404: ref('responses/Error'),
      },
    },
    async handler(req, res, deps) {
      const { cursor, limit } = parseQuery(pageQuery(...PRODUCT_PAGE), req);
      const page = await catalogueProducts(deps.ds.manager, principalOf(req).accountId, String(req.params.code), {
        after: cursor,
        limit,
      });
      if (!page) throw notFound('catalogue');
      res.json(page);
    },
  },
  {
    method: 'post',
    path: '/catalogues/:code/products',
    permission: 'customers:write',
    doc: {
      summary: 'Add and remove product codes of a catalogue',
      parameters: [pathParam('code')],
      requestBody: jsonBody(catalogueProductsEdit),
      responses: { 200: json('The catalogue', schema('Catalogue')) },
    },
    async handler(req, res, deps) {
      const e = parseBody(catalogueProductsEdit, req);
      const k = await deps.ds.transaction((m) =>
        editCatalogueProducts(m, principalOf(req).accountId, String(req.params.code), e.add, e.remove),
      );
      if (!k) throw notFound('catalogue');
      res.json(k);
    },
  },
  {
    method: 'get',
    path: '/labels',
    permission: 'customers:read',
    doc: {
      summary: 'Labels with how many customers carry each',
      responses: { 200: json('Labels', listOf(schema('Label'))) },
    },
    async handler(req, res, deps) {
      res.json({ items: await listLabels(deps.ds.manager, principalOf(req).accountId) });
    },
  },
  {
    method: 'post',
    path: '/labels',
    permission: 'customers:write',
    doc: {
      summary: 'Create a label',
      requestBody: jsonBody(labelBody),
      responses: { 201: json('The label', schema('Label')) },
    },
    async handler(req, res, deps) {
      const l = parseBody(labelBody, req);
      res.status(201).json(await createLabel(deps.ds.manager, principalOf(req).accountId, l.name));
    },
  },
  {
    method: 'patch',
    path: '/labels/:name',
    permission: 'customers:write',
    doc: {
      summary: 'Rename a label on every customer',
      description: `On up to LABEL_EDIT_SYNC_LIMIT customers at once (200); ${AS_A_JOB}`,
      parameters: [pathParam('name')],
      requestBody: jsonBody(labelBody),
      responses: {
        200: json('The label', schema('Label')),
        202: ref('responses/Accepted'),
        404: ref('responses/Error'),
        409: ref('responses/Error'),
      },
    },
    async handler(req, res, deps) {
      const l = parseBody(labelBody, req);
      const accountId = principalOf(req).accountId;
      const name = String(req.params.name);
      if (await onManyCustomers(deps, accountId, name)) {
        await checkRenameTarget(deps.ds.manager, accountId, name, l.name);
        await acceptJob(req, res, deps, 'customer-labels', { label: name, renameTo: l.name });
        return;
      }
      const out = await deps.ds.transaction((m) => renameLabel(m, accountId, name, l.name));
      if (!out) throw notFound('label');
      res.json(out);
    },
  },
  {
    method: 'delete',
    path: '/labels/:name',
    permission: 'customers:write',
    doc: {
      summary: 'Delete a label and take it off every customer',
      description: `On up to LABEL_EDIT_SYNC_LIMIT customers at once (204); ${AS_A_JOB}`,
      parameters: [pathParam('name')],
      responses: { 204: { description: 'Deleted' }, 202: ref('responses/Accepted'), 404: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      const accountId = principalOf(req).accountId;
      const name = String(req.params.name);
      if (await onManyCustomers(deps, accountId, name)) {
        await acceptJob(req, res, deps, 'customer-labels', { label: name, renameTo: null });
        return;
      }
      const done = await deps.ds.transaction((m) => deleteLabel(m, accountId, name));
      if (!done) throw notFound('label');
      res.status(204).end();
    },
  },
  {
    method: 'post',
    path: '/customers/labels',
    permission: 'customers:write',
    doc: {
      summary: 'Add and remove labels on customers chosen by number or by a list filter',
      description:
        'Up to LABEL_EDIT_SYNC_LIMIT customers change at once (200, with the given numbers that name no ' +
        'customer as unknownRefs); a larger selection runs as a job (202; its counts say how many were unknown).',
      requestBody: jsonBody(labelEdit),
      responses: {
        200: json('How many customers the selection named and how many it changed', LABEL_EDIT_RESULT),
        202: { $ref: '#/components/responses/Accepted' },
      },
    },
    async handler(req, res, deps) {
      const accountId = principalOf(req).accountId;
      const b = parseBody(labelEdit, req);
      const selection: LabelSelection = b.customerRefs
        ? { customerRefs: b.customerRefs }
        : { filter: b.filter as CustomerFilter };
      const selected = await countSelection(deps.ds.manager, accountId, selection);
      if (selected <= deps.config.customers.labelEditSyncLimit) {
        const changed = await deps.ds.transaction((m) => editLabels(m, accountId, selection, b.add, b.remove));
        // Numbers that name no customer are said, not passed over.
        const unknown = b.customerRefs ? await unknownRefs(deps.ds.manager, accountId, b.customerRefs) : undefined;
        res.json({ selected, changed, ...(unknown && { unknownRefs: unknown }) });
        return;
      }
      const filter = b.filter && {
        ...b.filter,
        ...(b.filter.updatedSince ? { updatedSince: b.filter.updatedSince.toISOString() } : {}),
      };
      await acceptJob(req, res, deps, 'customer-labels', {
        selection: b.customerRefs
          ? { customerRefs: b.customerRefs }
          : { filter: filter as Record<string, string | boolean> },
        add: b.add,
        remove: b.remove,
      });
    },
  },
]);
