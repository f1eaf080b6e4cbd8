import { z } from 'zod';
import { DAYS } from './fields';

/**
 * What the API answers with for the account's reference data and a customer's records, as zod schemas: each
 * service's return type is one of these (so a field added to one and not the other fails the build), and the
 * OpenAPI document's schemas are made from them. The customer's own is `customerViewSchema` (profile/present.ts).
 */

const at = z.iso.datetime().meta({ description: 'When (ISO 8601, UTC)' });
const by = z.uuid().nullable().meta({ description: 'The user who did it; null once that user is deleted' });
const count = (of: string) => z.int().min(0).meta({ description: of });

export const accountViewSchema = z.object({
  slug: z.string(),
  name: z.string(),
  deliveryDays: z
    .array(z.enum(DAYS))
    .meta({ description: 'The days the account delivers on: those of every customer without days of their own' }),
});

export const customerGroupViewSchema = z.object({
  code: z.string(),
  name: z.string(),
  priceList: z.string().nullable().meta({ description: "The code of the group's price list" }),
  customers: count('Customers in the group, deleted ones not counted'),
});

export const priceListViewSchema = z.object({
  code: z.string(),
  name: z.string(),
  currency: z.string().length(3),
  itemCount: count('Products the list prices'),
});

export const priceListItemViewSchema = z.object({ product: z.string(), priceMinor: z.int() });

/** A price list with a page of its items. */
export const priceListPageViewSchema = priceListViewSchema.extend({
  items: z.array(priceListItemViewSchema),
  nextCursor: z.string().nullable(),
});

export const priceViewSchema = z.union([
  z.object({
    product: z.string(),
    priceMinor: z.int(),
    currency: z.string().length(3),
    source: z.templateLiteral(['price_list:', z.string()]).meta({ description: "price_list:<code>: the group's list" }),
  }),
  z.object({
    product: z.string(),
    priceMinor: z.int().nullable().meta({ description: 'null where the base price is not a plain amount' }),
    price: z.string().nullable().meta({ description: "The catalogue's price text" }),
    currency: z.string().length(3),
    source: z.enum(['base', 'none', 'unknown_product']),
  }),
]);

export const catalogueViewSchema = z.object({
  code: z.string(),
  name: z.string(),
  main: z.boolean(),
  products: count('Products in the catalogue'),
  customers: count('Customers assigned to it, deleted ones not counted'),
});

export const labelViewSchema = z.object({
  name: z.string(),
  customers: count('Customers carrying it, deleted ones not counted'),
});

export const noteViewSchema = z.object({
  id: z.uuid(),
  body: z.string(),
  createdBy: by,
  createdAt: at,
  updatedBy: by,
  updatedAt: at,
  revisions: count('Earlier texts kept'),
});

export const noteRevisionViewSchema = z.object({ body: z.string(), by, at });

export const ledgerEntryViewSchema = z.object({
  id: z.int(),
  balance: z.enum(['store_credit', 'on_account']),
  amountMinor: z.int().meta({ description: 'Negative where it took off' }),
  balanceAfterMinor: z.int(),
  currency: z.string().length(3),
  reason: z.string(),
  by,
  at,
});

export const numberChangeViewSchema = z.object({ from: z.string(), to: z.string(), by, at });

export type AccountView = z.output<typeof accountViewSchema>;
export type CustomerGroupView = z.output<typeof customerGroupViewSchema>;
export type PriceListView = z.output<typeof priceListViewSchema>;
export type PriceListItemView = z.output<typeof priceListItemViewSchema>;
export type PriceView = z.output<typeof priceViewSchema>;
export type CatalogueView = z.output<typeof catalogueViewSchema>;
export type LabelView = z.output<typeof labelViewSchema>;
export type NoteView = z.output<typeof noteViewSchema>;
export type NoteRevisionView = z.output<typeof noteRevisionViewSchema>;
export type LedgerEntryView = z.output<typeof ledgerEntryViewSchema>;
export type NumberChangeView = z.output<typeof numberChangeViewSchema>;
