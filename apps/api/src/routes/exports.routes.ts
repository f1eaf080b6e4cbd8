import { CustomerEntity, scoped } from '@customer-hub/db';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate';
import { acceptJob } from '../http/accept-job';
import { customerFilterBody } from '../http/customer-filter';
import { jsonBody, ref } from '../http/doc';
import { HttpError } from '../http/errors';
import { defineRoutes } from '../http/route';
import { parseBody } from '../http/validate';

const bom = z.boolean().default(false).meta({ description: 'Start the file with a UTF-8 byte-order mark (for Excel)' });
const ownExportBody = z.object({ bom }).strict();
const exportBody = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('products'),
      format: z.literal('csv').default('csv'),
      customerRef: z
        .string()
        .trim()
        .min(1)
        .max(64)
        .optional()
        .meta({ description: "Only the products in this customer's published purchase history" }),
      bom,
    })
    .strict(),
  z
    .object({
      kind: z.literal('customers'),
      format: z.enum(['csv', 'xlsx']).default('csv'),
      filters: customerFilterBody.default({}).meta({ description: 'As for GET /v1/customers' }),
      bom,
    })
    .strict(),
]);

export const exportRoutes = defineRoutes([
  {
    method: 'post',
    path: '/exports',
    permission: 'exports:create',
    doc: {
      summary:
        "Export product data as CSV (all products, or those in one customer's purchase history), or customers as CSV or XLSX",
      requestBody: jsonBody(exportBody),
      responses: { 202: ref('responses/Accepted'), 400: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      const body = parseBody(exportBody, req);
      if (body.kind === 'customers') {
        const { updatedSince, ...rest } = body.filters;
        await acceptJob(req, res, deps, 'export', {
          what: 'customers',
          format: body.format,
          bom: body.bom,
          filter: { ...rest, ...(updatedSince ? { updatedSince: updatedSince.toISOString() } : {}) },
        });
        return;
      }
      await acceptJob(req, res, deps, 'export', {
        what: 'products',
        bom: body.bom,
        ...(body.customerRef ? { customerRef: body.customerRef } : {}),
      });
    },
  },
  {
    method: 'post',
    path: '/me/exports',
    permission: 'me:exports',
    doc: {
      summary: 'A customer exports the product data of their own purchase history',
      requestBody: jsonBody(ownExportBody),
      responses: { 202: ref('responses/Accepted') },
    },
    async handler(req, res, deps) {
      const p = principalOf(req);
      const body = parseBody(ownExportBody, req);
      const customer = p.customerId
        ? await scoped(deps.ds.manager, p.accountId).repo(CustomerEntity).findOneBy({ id: p.customerId })
        : null;
      if (!customer || customer.deletedAt) throw new HttpError(403, 'forbidden', 'This login has no customer record.');
      await acceptJob(req, res, deps, 'export', {
        what: 'products',
        bom: body.bom,
        customerRef: customer.customerNumber,
      });
    },
  },
]);
