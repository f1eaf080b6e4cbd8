import { z } from 'zod';
import { CONTACT_SLOTS, CUSTOM_KEY, DAYS, LIST_SEPARATOR, lfBreaks, OTHER_ADDRESS_LABEL_MAX } from '../fields';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NO_CONTROL = /^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$/;
const text = (max: number) =>
  z.string().trim().overwrite(lfBreaks).max(max).regex(NO_CONTROL, 'contains a control character');
const optionalText = (max: number) => text(max).nullable().optional();
/** Labels and phones are written joined by LIST_SEPARATOR in exports, so they can't hold one. */
const noPipe = (t: z.ZodString) => t.refine((v) => !v.includes(LIST_SEPARATOR), `can't contain ${LIST_SEPARATOR}`);

export const addressSchema = z
  .object({
    company: text(200),
    name: text(200),
    line1: text(200),
    line2: text(200),
    city: text(200),
    region: text(200),
    postcode: text(200),
    country: text(200),
    phone: text(200),
  })
  .partial()
  .strict();

export const contactSchema = z
  .object({
    name: text(200).optional(),
    email: z.email().max(254).optional(),
    phones: z
      .array(noPipe(text(50).min(1)))
      .max(5)
      .optional(),
    role: text(200).optional(),
  })
  .strict();

export const otherAddressSchema = addressSchema.extend({ label: text(OTHER_ADDRESS_LABEL_MAX).optional() });

export type Address = z.output<typeof addressSchema>;
export type OtherAddress = z.output<typeof otherAddressSchema>;
export type Contact = z.output<typeof contactSchema>;

export const customerNumberSchema = text(64).min(1);
export const labelSchema = noPipe(text(64).min(1));

/** The writable profile, as the API takes it (create: name and number required; patch: anything). */
export const profileFields = {
  number: customerNumberSchema,
  type: z.enum(['business', 'consumer']),
  name: text(200).min(1),
  contactName: optionalText(200),
  email: z.email().max(254).nullable().optional(),
  phone: optionalText(50),
  group: text(64).nullable(),
  pricingTier: optionalText(64),
  catalogue: text(64).nullable(),
  paymentTerms: optionalText(100),
  cutoff: z
    .object({
      enabled: z.boolean(),
      time: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'is not HH:MM')
        .nullable(),
      type: z.enum(['strict', 'flexible']),
    })
    .partial()
    .strict(),
  // A customer's own days; null: the account's. No empty list: an export writes it as a blank cell, which an
  // import reads as "the account's days".
  deliveryDays: z.array(z.enum(DAYS)).min(1, "needs at least one day (null for the account's days)").max(7).nullable(),
  labels: z.array(labelSchema).max(50),
  addresses: z
    .object({
      billing: addressSchema.nullable(),
      shipping: addressSchema.nullable(),
      other: z.array(otherAddressSchema).max(20),
    })
    .partial()
    .strict(),
  contacts: z.array(contactSchema).max(CONTACT_SLOTS),
  portalAccess: z.boolean(),
  customFields: z.record(z.string().regex(CUSTOM_KEY), text(1000).nullable()),
};

export const createCustomerSchema = z.object(profileFields).partial().required({ number: true, name: true }).strict();
export const patchCustomerSchema = z.object(profileFields).partial().strict();

export type CreateCustomer = z.infer<typeof createCustomerSchema>;
export type PatchCustomer = z.infer<typeof patchCustomerSchema>;
