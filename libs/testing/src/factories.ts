import { createAccount, createUser, issueToken } from '@customer-hub/accounts';
import type { Role } from '@customer-hub/contracts';
import { type Account, CustomerEntity, type DataSource, scoped } from '@customer-hub/db';
import { uniqueName } from './databases';

export interface TestAccount {
  account: Account;
  /** A token for each role; `customer` belongs to a customer with portal access. */
  tokens: Record<Role, string>;
  userIds: Record<Role, string>;
  customerId: string;
}

/** An account with one user and token per role, including a customer with portal access. */
export async function createTestAccount(ds: DataSource, name = uniqueName('Account')): Promise<TestAccount> {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const { account, admin, token } = await createAccount(ds, { name, slug, adminEmail: `admin@${slug}.test` });
  const tokens = { admin: token.token } as Record<Role, string>;
  const userIds = { admin: admin.id } as Record<Role, string>;
  const customer = await scoped(ds.manager, account.id)
    .repo(CustomerEntity)
    .insert({ customerNumber: 'C-1', name: 'First Customer', email: `buyer@${slug}.test` });
  for (const role of ['staff', 'ops', 'customer'] as const) {
    const user = await createUser(ds.manager, account.id, {
      email: `${role}@${slug}.test`,
      role,
      customerId: role === 'customer' ? customer.id : null,
    });
    tokens[role] = (await issueToken(ds.manager, user, `${role} test token`)).token;
    userIds[role] = user.id;
  }
  return { account, tokens, userIds, customerId: customer.id };
}

/** A second customer user in the same account (to prove customers can't see each other). */
export async function createCustomerLogin(ds: DataSource, accountId: string, number: string) {
  const customer = await scoped(ds.manager, accountId)
    .repo(CustomerEntity)
    .insert({ customerNumber: number, name: `Customer ${number}`, email: `${number.toLowerCase()}@example.test` });
  const user = await createUser(ds.manager, accountId, {
    email: `login-${number.toLowerCase()}@example.test`,
    role: 'customer',
    customerId: customer.id,
  });
  return { customer, user, token: (await issueToken(ds.manager, user, 'customer token')).token };
}
