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
  delivery_days: string[] | null;
  account_delivery_days: string[];
  labels: string[];
  billing_address: Record<string, string> | null;
  shipping_address: Record<string, string> | null;
  other_addresses: Record<string, string>[];
  contacts: Record<string, unknown>[];
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

/** The customer as the API shows it. */
export function presentCustomer(r: CustomerRow) {
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
    addresses: { billing: r.billing_address, shipping: r.shipping_address, other: r.other_addresses },
    // An import may leave an empty slot before a filled one (kept as null: see the import's contacts).
    contacts: r.contacts.filter((c) => c !== null),
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

export type CustomerView = ReturnType<typeof presentCustomer>;
