import type { Role } from '@customer-hub/contracts';

/**
 * What each role may do. A route names one permission; a role not listed for it is refused (deny by default).
 * Customers reach only their own things; routes open to them also filter by the customer.
 */
export const PERMISSIONS = {
  'me:read': ['admin', 'staff', 'ops', 'customer'],
  'jobs:read': ['admin', 'staff', 'ops', 'customer'],
  'jobs:cancel': ['admin', 'staff'],
  'jobs:files': ['admin', 'staff', 'customer'],
  'jobs:commit': ['admin'],
  'diagnostics:run': ['admin'],
  'purchase-history:write': ['admin'],
  'purchase-history:read': ['admin', 'staff'],
  'products:write': ['admin'],
  'products:read': ['admin', 'staff'],
  'account:read': ['admin', 'staff', 'ops'],
  'account:write': ['admin'],
  'customers:import': ['admin'],
  'customers:read': ['admin', 'staff', 'ops'],
  'customers:write': ['admin', 'staff'],
  'exports:create': ['admin', 'staff'],
  'me:exports': ['customer'],
  'tokens:manage': ['admin'],
  'metrics:read': ['admin', 'ops'],
  'queues:read': ['admin', 'ops'],
  'queues:write': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export const can = (role: Role, permission: Permission): boolean =>
  (PERMISSIONS[permission] as readonly Role[]).includes(role);
