import {
  type CustomerFilter,
  createCustomer,
  createCustomerSchema,
  findCustomer,
  getCustomer,
  listCustomers,
  numberChanges,
  patchCustomer,
  patchCustomerSchema,
  setDeleted,
} from '@customer-hub/customers';
import { principalOf } from '../auth/authenticate';
import { customerFilterQuery, filterParameters } from '../http/customer-filter';
import { customerRefParam, json, jsonBody, listOf, pageOf, ref, schema } from '../http/doc';
import { notFound } from '../http/errors';
import { pageParameters, pageQuery } from '../http/page';
import { defineRoutes } from '../http/route';
import { parseBody, parseQuery } from '../http/validate';

/** Customers per page: most, default. */
const CUSTOMER_PAGE = [500, 100] as const;
const listQuery = customerFilterQuery.extend(pageQuery(...CUSTOMER_PAGE).shape);

export const customerRoutes = defineRoutes([
  {
    method: 'get',
    path: '/customers',
    permission: 'customers:read',
    doc: {
      summary: 'Customers by number, filtered; cursor pagination',
      parameters: [...filterParameters, ...pageParameters(...CUSTOMER_PAGE)],
      responses: {
        200: json('A page of customers and the next cursor', pageOf(schema('Customer'))),
      },
    },
    async handler(req, res, deps) {
      const { limit, cursor, ...filter } = parseQuery(listQuery, req);
      res.json(
        await listCustomers(deps.ds.manager, principalOf(req).accountId, filter as CustomerFilter, {
          after: cursor,
          limit,
        }),
      );
    },
  },
  {
    method: 'post',
    path: '/customers',
    permission: 'customers:write',
    doc: {
      summary: 'Create a customer',
      requestBody: jsonBody(createCustomerSchema),
      responses: { 201: json('The customer', schema('Customer')), 409: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      const input = parseBody(createCustomerSchema, req);
      const created = await deps.ds.transaction((m) => createCustomer(m, principalOf(req).accountId, input));
      res
        .status(201)
        .location(`/v1/customers/${encodeURIComponent(created.number)}`)
        .json(created);
    },
  },
  {
    method: 'get',
    path: '/customers/:ref',
    permission: 'customers:read',
    doc: {
      summary: 'One customer by number',
      parameters: [customerRefParam],
      responses: { 200: json('The customer', schema('Customer')), 404: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      const c = await getCustomer(deps.ds.manager, principalOf(req).accountId, String(req.params.ref));
      if (!c) throw notFound('customer');
      res.json(c);
    },
  },
  {
    method: 'patch',
    path: '/customers/:ref',
    permission: 'customers:write',
    doc: {
      summary: 'Change parts of a customer (a new number is recorded in its history)',
      parameters: [customerRefParam],
      requestBody: jsonBody(patchCustomerSchema),
      responses: {
        200: json('The customer', schema('Customer')),
        404: ref('responses/Error'),
        409: ref('responses/Error'),
      },
    },
    async handler(req, res, deps) {
      const p = principalOf(req);
      const patch = parseBody(patchCustomerSchema, req);
      const c = await deps.ds.transaction((m) =>
        patchCustomer(m, p.accountId, String(req.params.ref), patch, p.userId),
      );
      if (!c) throw notFound('customer');
      res.json(c);
    },
  },
  {
    method: 'delete',
    path: '/customers/:ref',
    permission: 'customers:write',
    doc: {
      summary: 'Soft-delete a customer (restore brings it back)',
      parameters: [customerRefParam],
      responses: { 204: { description: 'Deleted' } },
    },
    async handler(req, res, deps) {
      if (!(await setDeleted(deps.ds.manager, principalOf(req).accountId, String(req.params.ref), true)))
        throw notFound('customer');
      res.status(204).end();
    },
  },
  {
    method: 'post',
    path: '/customers/:ref/restore',
    permission: 'customers:write',
    doc: {
      summary: 'Restore a soft-deleted customer',
      parameters: [customerRefParam],
      responses: { 200: json('The customer', schema('Customer')) },
    },
    async handler(req, res, deps) {
      const accountId = principalOf(req).accountId;
      if (!(await setDeleted(deps.ds.manager, accountId, String(req.params.ref), false))) throw notFound('customer');
      res.json(await getCustomer(deps.ds.manager, accountId, String(req.params.ref)));
    },
  },
  {
    method: 'get',
    path: '/customers/:ref/number-changes',
    permission: 'customers:read',
    doc: {
      summary: "Changes of a customer's number, oldest first",
      parameters: [customerRefParam],
      responses: { 200: json('Changes', listOf(schema('NumberChange'))) },
    },
    async handler(req, res, deps) {
      const accountId = principalOf(req).accountId;
      const c = await findCustomer(deps.ds.manager, accountId, String(req.params.ref));
      if (!c) throw notFound('customer');
      res.json({ items: await numberChanges(deps.ds.manager, accountId, c.id) });
    },
  },
]);
