import type { Role } from '@customer-hub/contracts';
import { EntitySchema } from 'typeorm';

/** An operator of an account (admin, staff, ops) or a customer with portal access. */
export interface User {
  id: string;
  accountId: string;
  email: string;
  role: Role;
  /** Set for role `customer`: the customer record this login belongs to. */
  customerId: string | null;
  createdAt: Date;
  disabledAt: Date | null;
}

export const UserEntity = new EntitySchema<User>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    accountId: { name: 'account_id', type: 'uuid' },
    email: { type: 'text' },
    role: { type: 'text' },
    customerId: { name: 'customer_id', type: 'uuid', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    disabledAt: { name: 'disabled_at', type: 'timestamptz', nullable: true },
  },
});
