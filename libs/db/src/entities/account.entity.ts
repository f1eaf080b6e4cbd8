import { EntitySchema } from 'typeorm';

/** A wholesaler: the tenant every other row belongs to. */
export interface Account {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
}

export const AccountEntity = new EntitySchema<Account>({
  name: 'Account',
  tableName: 'accounts',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    slug: { type: 'text', unique: true },
    name: { type: 'text' },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});
