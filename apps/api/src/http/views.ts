import { ROLES } from '@customer-hub/contracts';
import { z } from 'zod';

/**
 * What the routes outside the customer domain answer with, as zod schemas: each route declares its answer as
 * the schema's type (so the two cannot drift), and the OpenAPI document's schemas are made from them. The
 * customer domain's are in @customer-hub/customers (views.ts).
 */

const at = z.iso.datetime();
const count = z.int().min(0);

export const productViewSchema = z.object({
  code: z.string(),
  name: z.string(),
  data: z.record(z.string(), z.string()).meta({ description: "The product file's further columns, by header" }),
  updatedAt: at,
});

export const purchaseHistoryVersionViewSchema = z.object({
  version: z.int(),
  current: z.boolean().meta({ description: 'Whether this is the published history readers see' }),
  state: z.enum(['building', 'ready', 'published', 'pruned', 'discarded']),
  jobId: z.uuid().nullable(),
  fileName: z.string().nullable(),
  rows: count.nullable(),
  customers: count.nullable(),
  products: count.nullable(),
  duplicates: count.nullable(),
  rejected: count.nullable(),
  unmatchedCustomers: count.nullable(),
  unmatchedProducts: count.nullable(),
  createdBy: z.uuid(),
  createdAt: at,
  publishedAt: at.nullable(),
  publishedBy: z.uuid().nullable(),
});

export const customerProductCodesViewSchema = z.object({
  version: z.int(),
  customerRef: z.string(),
  productCodes: z.array(z.string()),
});

export const meViewSchema = z.object({
  userId: z.uuid(),
  email: z.string(),
  role: z.enum(ROLES),
  account: z.object({ id: z.uuid(), slug: z.string() }),
});

export const tokenViewSchema = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  name: z.string(),
  prefix: z.string().meta({ description: 'The first characters of the token, to tell it apart' }),
  createdAt: at,
  lastUsedAt: at.nullable(),
  expiresAt: at.nullable(),
  revokedAt: at.nullable(),
});

export const issuedTokenViewSchema = z.object({
  id: z.uuid(),
  token: z.string().meta({ description: 'The secret: shown in this answer only, stored hashed' }),
  prefix: z.string(),
  expiresAt: at.nullable(),
});

export type ProductView = z.output<typeof productViewSchema>;
export type PurchaseHistoryVersionView = z.output<typeof purchaseHistoryVersionViewSchema>;
export type CustomerProductCodesView = z.output<typeof customerProductCodesViewSchema>;
export type MeView = z.output<typeof meViewSchema>;
export type TokenView = z.output<typeof tokenViewSchema>;
export type IssuedTokenView = z.output<typeof issuedTokenViewSchema>;
