import { EntitySchema } from 'typeorm';

/** The customer core; the customer-profile work extends it. */
export interface Customer {
  id: string;
  accountId: string;
  /** The customer reference, unique per account. */
  customerNumber: string;
  name: string;
  email: string | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export const CustomerEntity = new EntitySchema<Customer>({
  name: 'Customer',
  tableName: 'customers',
  columns: {
    // The key is (account_id, id): every reference to a customer names its account too.
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    accountId: { name: 'account_id', type: 'uuid', primary: true },
    customerNumber: { name: 'customer_number', type: 'text' },
    name: { type: 'text' },
    email: { type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz', updateDate: true },
    deletedAt: { name: 'deleted_at', type: 'timestamptz', nullable: true, deleteDate: true },
  },
});
