/** Operator roles plus `customer`, a wholesaler's customer with portal access. */
export const ROLES = ['admin', 'staff', 'ops', 'customer'] as const;
export type Role = (typeof ROLES)[number];
export const isRole = (v: unknown): v is Role => ROLES.includes(v as Role);
