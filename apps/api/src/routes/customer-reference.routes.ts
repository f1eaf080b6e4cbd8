import {
  type CustomerFilter,
  catalogueProducts,
  countSelection,
  createCatalogue,
  createLabel,
  createPriceList,
  deleteGroup,
  deleteLabel,
  editCatalogueProducts,
  editLabels,
  getPriceList,
  type LabelSelection,
  labelSchema,
  listCatalogues,
  listGroups,
  listLabels,
  listPriceLists,
  renameLabel,
  saveGroup,
  setPrices,
  updateGroup,
} from '@customer-hub/customers';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate';
import { acceptJob } from '../http/accept-job';
import { notFound } from '../http/errors';
import { defineRoutes } from '../http/route';
import { parseBody } from '../http/validate';
import { customerFilterQuery } from './customers.routes';

const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});
const body = { content: { 'application/json': { schema: { type: 'object' } } } };
const path = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const code = z.string().trim().min(1).max(64);
const name = z.string().trim().min(1).max(200);
const codes = z.array(code).max(10_000).default([]);

export const customerReferenceRoutes = defineRoutes([
  {
    method: 'get',
    path: '/customer-groups',
    permission: 'customers:read',
    doc: { summary: 'Customer groups with their price list and size', responses: { 200: json('Groups') } },
    async handler(req, res, deps) {
      res.json({ items: await listGroups(deps.ds.manager, principalOf(req).accountId) });
    },
  },
  {
    method: 'post',
    path: '/customer-groups',
    permission: 'customers:write',
    doc: {
      summary: 'Create a customer group, optionally mapped to a price list',
      requestBody: body,
      responses: { 201: json('The group') },
    },
    async handler(req, res, deps) {
      const g = parseBody(z.object({ code, name, priceList: code.nullable().optional() }).strict(), req);
      res.status(201).json(await saveGroup(deps.ds.manager, principalOf(req).accountId, g));
    },
  },
  {
    method: 'patch',
    path: '/customer-groups/:code',
    permission: 'customers:write',
    doc: {
      summary: 'Rename a group or change its price list',
      parameters: [path('code')],
      requestBody: body,
      responses: { 200: json('The group') },
    },
    async handler(req, res, deps) {
      const g = parseBody(z.object({ name: name.optional(), priceList: code.nullable().optional() }).strict(), req);
      const out = await updateGroup(deps.ds.manager, principalOf(req).accountId, String(req.params.code), g);
      if (!out) throw notFound('customer group');
      res.json(out);
    },
  },
  {
    method: 'delete',
    path: '/customer-groups/:code',
    permission: 'customers:write',
    doc: {
      summary: 'Delete a group no customer is in',
      parameters: [path('code')],
      responses: { 204: { description: 'Deleted' } },
    },
    async handler(req, res, deps) {
      if (!(await deleteGroup(deps.ds.manager, principalOf(req).accountId, String(req.params.code))))
        throw notFound('customer group');
      res.status(204).end();
    },
  },
  {
    method: 'get',
    path: '/price-lists',
    permission: 'customers:read',
    doc: { summary: 'Price lists', responses: { 200: json('Price lists') } },
    async handler(req, res, deps) {
      res.json({ items: await listPriceLists(deps.ds.manager, principalOf(req).accountId) });
    },
  },
  {
    method: 'post',
    path: '/price-lists',
    permission: 'customers:write',
    doc: { summary: 'Create a price list', requestBody: body, responses: { 201: json('The price list') } },
    async handler(req, res, deps) {
      const p = parseBody(
        z
          .object({
            code,
            name,
            currency: z
              .string()
              .regex(/^[A-Z]{3}$/)
              .default('EUR'),
          })
          .strict(),
        req,
      );
      res.status(201).json(await createPriceList(deps.ds.manager, principalOf(req).accountId, p));
    },
  },
  {
    method: 'get',
    path: '/price-lists/:code',
    permission: 'customers:read',
    doc: {
      summary: 'A price list and its items',
      parameters: [path('code')],
      responses: { 200: json('The price list') },
    },
    async handler(req, res, deps) {
      const list = await getPriceList(deps.ds.manager, principalOf(req).accountId, String(req.params.code));
      if (!list) throw notFound('price list');
      res.json(list);
    },
  },
  {
    method: 'put',
    path: '/price-lists/:code/items',
    permission: 'customers:write',
    doc: {
      summary: 'Set prices (minor units) on a list; null removes a product',
      parameters: [path('code')],
      requestBody: body,
      responses: { 200: json('The price list') },
    },
    async handler(req, res, deps) {
      const { items } = parseBody(
        z
          .object({
            items: z
              .array(z.object({ product: code, priceMinor: z.number().int().min(0).nullable() }).strict())
              .max(10_000),
          })
          .strict(),
        req,
      );
      const list = await deps.ds.transaction((m) =>
        setPrices(m, principalOf(req).accountId, String(req.params.code), items),
      );
      if (!list) throw notFound('price list');
      res.json(list);
    },
  },
  {
    method: 'get',
    path: '/catalogues',
    permission: 'customers:read',
    doc: { summary: 'Catalogues, the main one first', responses: { 200: json('Catalogues') } },
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
      requestBody: body,
      responses: { 201: json('The catalogue') },
    },
    async handler(req, res, deps) {
      const k = parseBody(z.object({ code, name, main: z.boolean().default(false) }).strict(), req);
      res.status(201).json(await deps.ds.transaction((m) => createCatalogue(m, principalOf(req).accountId, k)));
    },
  },
  {
    method: 'get',
    path: '/catalogues/:code/products',
    permission: 'customers:read',
    doc: {
      summary: 'Product codes assigned to a catalogue',
      parameters: [path('code')],
      responses: { 200: json('Codes') },
    },
    async handler(req, res, deps) {
      res.json({
        items: await catalogueProducts(deps.ds.manager, principalOf(req).accountId, String(req.params.code)),
      });
    },
  },
  {
    method: 'post',
    path: '/catalogues/:code/products',
    permission: 'customers:write',
    doc: {
      summary: 'Add and remove product codes of a catalogue',
      parameters: [path('code')],
      requestBody: body,
      responses: { 200: json('The catalogue') },
    },
    async handler(req, res, deps) {
      const e = parseBody(z.object({ add: codes, remove: codes }).strict(), req);
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
    doc: { summary: 'Labels with how many customers carry each', responses: { 200: json('Labels') } },
    async handler(req, res, deps) {
      res.json({ items: await listLabels(deps.ds.manager, principalOf(req).accountId) });
    },
  },
  {
    method: 'post',
    path: '/labels',
    permission: 'customers:write',
    doc: { summary: 'Create a label', requestBody: body, responses: { 201: json('The label') } },
    async handler(req, res, deps) {
      const l = parseBody(z.object({ name: labelSchema }).strict(), req);
      res.status(201).json(await createLabel(deps.ds.manager, principalOf(req).accountId, l.name));
    },
  },
  {
    method: 'patch',
    path: '/labels/:name',
    permission: 'customers:write',
    doc: {
      summary: 'Rename a label on every customer',
      parameters: [path('name')],
      requestBody: body,
      responses: { 200: json('The label') },
    },
    async handler(req, res, deps) {
      const l = parseBody(z.object({ name: labelSchema }).strict(), req);
      const out = await deps.ds.transaction((m) =>
        renameLabel(m, principalOf(req).accountId, String(req.params.name), l.name),
      );
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
      parameters: [path('name')],
      responses: { 204: { description: 'Deleted' } },
    },
    async handler(req, res, deps) {
      const done = await deps.ds.transaction((m) =>
        deleteLabel(m, principalOf(req).accountId, String(req.params.name)),
      );
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
        'Up to LABEL_EDIT_SYNC_LIMIT customers change at once (200); a larger selection runs as a job (202).',
      requestBody: body,
      responses: { 200: json('How many customers changed'), 202: { $ref: '#/components/responses/Accepted' } },
    },
    async handler(req, res, deps) {
      const accountId = principalOf(req).accountId;
      const b = parseBody(
        z
          .object({
            customerRefs: z.array(code).min(1).max(100_000).optional(),
            filter: customerFilterQuery.optional(),
            add: z.array(labelSchema).max(50).default([]),
            remove: z.array(labelSchema).max(50).default([]),
          })
          .strict()
          .refine(
            (v) => (v.customerRefs === undefined) !== (v.filter === undefined),
            'give customerRefs or filter, not both',
          )
          .refine((v) => v.add.length + v.remove.length > 0, 'give labels to add or remove'),
        req,
      );
      const selection: LabelSelection = b.customerRefs
        ? { customerRefs: b.customerRefs }
        : { filter: b.filter as CustomerFilter };
      const selected = await countSelection(deps.ds.manager, accountId, selection);
      if (selected <= deps.config.customers.labelEditSyncLimit) {
        const changed = await deps.ds.transaction((m) => editLabels(m, accountId, selection, b.add, b.remove));
        res.json({ selected, changed });
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
