import { EntitySchema } from 'typeorm';

/** A wholesaler: the tenant every other row belongs to. */
export interface Account {
  id: string;
  slug: string;
  name: string;
  /** Default delivery days of the account's customers (a customer may have their own): `mon` … `sun`. */
  deliveryDays: string[];
  createdAt: Date;
}

export const AccountEntity = new EntitySchema<Account>({
  name: 'Account',
  tableName: 'accounts',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    slug: { type: 'text', unique: true },
    name: { type: 'text' },
    deliveryDays: { name: 'delivery_days', type: 'text', array: true, default: () => `'{mon,tue,wed,thu,fri}'` },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});
