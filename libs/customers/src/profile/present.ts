import { z } from 'zod';
import { DAYS, type Day } from '../fields';
import {
  type Address,
  addressSchema,
  type Contact,
  contactSchema,
  type OtherAddress,
  otherAddressSchema,
} from './schema';

/** A customers row with its group and catalogue codes, as SQL returns it. */
export interface CustomerRow {
  id: string;
  customer_number: string;
  type: 'business' | 'consumer';
  name: string;
  contact_name: string | null;
  email: string | null;
  phone: string | null;
  group_code: string | null;
  pricing_tier: string | null;
  catalogue_code: string | null;
  /** The account's main catalogue, which a customer without one of their own gets. */
  main_catalogue_code: string | null;
  payment_terms: string | null;
  cutoff_enabled: boolean;
  cutoff_time: string | null;
  cutoff_type: 'strict' | 'flexible';
  /** The customer's own delivery days; NULL: the account's. */
  delivery_days: Day[] | null;
  account_delivery_days: Day[];
  labels: string[];
  billing_address: Address | null;
  shipping_address: Address | null;
  other_addresses: (OtherAddress | null)[];
  /** An import may leave an empty slot before a filled one (see presentCustomer). */
  contacts: (Contact | null)[];
  currency: string;
  store_credit_minor: string;
  on_account_minor: string;
  loyalty_points: string;
  portal_access: boolean;
  custom_fields: Record<string, string>;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

const money = z.object({ amountMinor: z.number().int(), currency: z.string().length(3) });
const timestamp = z.string().meta({ format: 'date-time' });

/**
 * The customer as the API shows it: the shape {@link presentCustomer} must return (its return type is this
 * schema's), and the one the OpenAPI document describes.
 */
export const customerViewSchema = z.object({
  number: z.string(),
  type: z.enum(['business', 'consumer']),
  name: z.string(),
  contactName: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  group: z.string().nullable().meta({ description: "The customer group's code" }),
  pricingTier: z.string().nullable(),
  catalogue: z
    .string()
    .nullable()
    .meta({ description: "The catalogue assigned to the customer; null: the account's main one" }),
  effectiveCatalogue: z.string().nullable().meta({ description: 'The catalogue the customer gets' }),
  paymentTerms: z.string().nullable(),
  cutoff: z.object({ enabled: z.boolean(), time: z.string().nullable(), type: z.enum(['strict', 'flexible']) }),
  deliveryDays: z.array(z.enum(DAYS)).nullable().meta({ description: "The customer's own days; null: the account's" }),
  effectiveDeliveryDays: z.array(z.enum(DAYS)).meta({ description: 'The days the customer gets' }),
  labels: z.array(z.string()),
  addresses: z.object({
    billing: addressSchema.nullable(),
    shipping: addressSchema.nullable(),
    other: z.array(otherAddressSchema),
  }),
  contacts: z.array(contactSchema),
  storeCredit: money,
  onAccount: money,
  loyaltyPoints: z.number().int(),
  portalAccess: z.boolean(),
  customFields: z.record(z.string(), z.string()),
  createdAt: timestamp,
  updatedAt: timestamp,
  deletedAt: timestamp.nullable().meta({ description: 'Set while the customer is deleted (restore clears it)' }),
});

export type CustomerView = z.output<typeof customerViewSchema>;

/** The customer as the API shows it. */
export function presentCustomer(r: CustomerRow): CustomerView {
  return {
    number: r.customer_number,
    type: r.type,
    name: r.name,
    contactName: r.contact_name,
    email: r.email,
    phone: r.phone,
    group: r.group_code,
    pricingTier: r.pricing_tier,
    // The catalogue assigned to the customer (null: the main one), and the one they get.
    catalogue: r.catalogue_code,
    effectiveCatalogue: r.catalogue_code ?? r.main_catalogue_code,
    paymentTerms: r.payment_terms,
    cutoff: { enabled: r.cutoff_enabled, time: r.cutoff_time?.slice(0, 5) ?? null, type: r.cutoff_type },
    // The customer's own days (null: the account's default), and the days they get.
    deliveryDays: r.delivery_days,
    effectiveDeliveryDays: r.delivery_days ?? r.account_delivery_days,
    labels: r.labels,
    // An import may leave an empty slot before a filled one (kept as null: see the import's slot lists).
    addresses: {
      billing: r.billing_address,
      shipping: r.shipping_address,
      other: r.other_addresses.filter((a): a is OtherAddress => a !== null),
    },
    contacts: r.contacts.filter((c): c is Contact => c !== null),
    storeCredit: { amountMinor: Number(r.store_credit_minor), currency: r.currency },
    onAccount: { amountMinor: Number(r.on_account_minor), currency: r.currency },
    loyaltyPoints: Number(r.loyalty_points),
    portalAccess: r.portal_access,
    customFields: r.custom_fields,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    deletedAt: r.deleted_at?.toISOString() ?? null,
  };
}
