import {
  createPriceList,
  deleteGroup,
  getPriceList,
  listGroups,
  listPriceLists,
  saveGroup,
  setPrices,
  updateGroup,
} from '@customer-hub/customers';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate';
import { json, jsonBody, listOf, pathParam, schema } from '../http/doc';
import { notFound } from '../http/errors';
import { PRODUCT_PAGE, pageParameters, pageQuery } from '../http/page';
import { defineRoutes } from '../http/route';
import { parseBody, parseQuery } from '../http/validate';

const code = z.string().trim().min(1).max(64);
const name = z.string().trim().min(1).max(200);
const newGroup = z.object({ code, name, priceList: code.nullable().optional() }).strict();
const groupPatch = z.object({ name: name.optional(), priceList: code.nullable().optional() }).strict();
const newPriceList = z
  .object({
    code,
    name,
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default('EUR'),
  })
  .strict();
const priceItems = z
  .object({
    items: z.array(z.object({ product: code, priceMinor: z.number().int().min(0).nullable() }).strict()).max(10_000),
  })
  .strict();

export const pricingRoutes = defineRoutes([
  {
    method: 'get',
    path: '/customer-groups',
    permission: 'customers:read',
    doc: {
      summary: 'Customer groups with their price list and size',
      responses: { 200: json('Groups', listOf(schema('CustomerGroup'))) },
    },
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
      requestBody: jsonBody(newGroup),
      responses: { 201: json('The group', schema('CustomerGroup')) },
    },
    async handler(req, res, deps) {
      const g = parseBody(newGroup, req);
      res.status(201).json(await saveGroup(deps.ds.manager, principalOf(req).accountId, g));
    },
  },
  {
    method: 'patch',
    path: '/customer-groups/:code',
    permission: 'customers:write',
    doc: {
      summary: 'Rename a group or change its price list',
      parameters: [pathParam('code')],
      requestBody: jsonBody(groupPatch),
      responses: { 200: json('The group', schema('CustomerGroup')) },
    },
    async handler(req, res, deps) {
      const g = parseBody(groupPatch, req);
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
      parameters: [pathParam('code')],
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
    doc: { summary: 'Price lists', responses: { 200: json('Price lists', listOf(schema('PriceList'))) } },
    async handler(req, res, deps) {
      res.json({ items: await listPriceLists(deps.ds.manager, principalOf(req).accountId) });
    },
  },
  {
    method: 'post',
    path: '/price-lists',
    permission: 'customers:write',
    doc: {
      summary: 'Create a price list',
      requestBody: jsonBody(newPriceList),
      responses: { 201: json('The price list', schema('PriceList')) },
    },
    async handler(req, res, deps) {
      const p = parseBody(newPriceList, req);
      res.status(201).json(await createPriceList(deps.ds.manager, principalOf(req).accountId, p));
    },
  },
  {
    method: 'get',
    path: '/price-lists/:code',
    permission: 'customers:read',
    doc: {
      summary: 'A price list with a page of its items (by product code)',
      parameters: [pathParam('code'), ...pageParameters(...PRODUCT_PAGE)],
      responses: { 200: json('The price list, a page of items and the next cursor', schema('PriceListPage')) },
    },
    async handler(req, res, deps) {
      const { cursor, limit } = parseQuery(pageQuery(...PRODUCT_PAGE), req);
      const list = await getPriceList(deps.ds.manager, principalOf(req).accountId, String(req.params.code), {
        after: cursor,
        limit,
      });
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
      parameters: [pathParam('code')],
      requestBody: jsonBody(priceItems),
      responses: { 200: json('The price list and the first page of its items', schema('PriceListPage')) },
    },
    async handler(req, res, deps) {
      const { items } = parseBody(priceItems, req);
      const list = await deps.ds.transaction((m) =>
        setPrices(m, principalOf(req).accountId, String(req.params.code), items),
      );
      if (!list) throw notFound('price list');
      res.json(list);
    },
  },
]);
