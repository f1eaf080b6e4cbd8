import type { Role } from '@customer-hub/contracts';
import {
  type Account,
  AccountEntity,
  type ApiToken,
  ApiTokenEntity,
  type DataSource,
  type EntityManager,
  IsNull,
  scoped,
  type User,
  UserEntity,
  withTransaction,
} from '@customer-hub/db';
import { displayPrefix, hashSecret, newSecret } from './secrets';

export class AccountInputError extends Error {
  override name = 'AccountInputError';
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** `Acme Foods` → `acme-foods`. */
export const slugify = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);

export interface IssuedToken {
  /** The bearer token itself: shown once, never stored. */
  token: string;
  record: ApiToken;
}

/** Creates an account with its first admin and that admin's first token, in one transaction. */
export async function createAccount(
  ds: DataSource,
  input: { name: string; adminEmail: string; slug?: string },
): Promise<{ account: Account; admin: User; token: IssuedToken }> {
  const name = input.name.trim();
  const slug = input.slug ?? slugify(name);
  if (!name) throw new AccountInputError('account name is empty');
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) throw new AccountInputError(`slug "${slug}" is not valid`);
  return withTransaction(ds, async (m) => {
    if (await m.getRepository(AccountEntity).existsBy({ slug })) {
      throw new AccountInputError(`an account with slug "${slug}" exists already`);
    }
    const account = await m.getRepository(AccountEntity).save({ name, slug });
    const admin = await createUser(m, account.id, { email: input.adminEmail, role: 'admin' });
    const token = await issueToken(m, admin, 'first admin token');
    return { account, admin, token };
  });
}

export async function findAccountBySlug(ds: DataSource, slug: string): Promise<Account | null> {
  return ds.getRepository(AccountEntity).findOneBy({ slug });
}

export async function createUser(
  m: EntityManager,
  accountId: string,
  input: { email: string; role: Role; customerId?: string | null },
): Promise<User> {
  const email = input.email.trim();
  if (!EMAIL.test(email)) throw new AccountInputError(`"${input.email}" is not an email address`);
  const users = scoped(m, accountId).repo(UserEntity);
  const existing = await users.query('u').andWhere('lower(u.email) = lower(:email)', { email }).getOne();
  if (existing) throw new AccountInputError(`a user with email ${email} exists already in this account`);
  return users.insert({ email, role: input.role, customerId: input.customerId ?? null });
}

/** Issues a new bearer token for a user; the plain token is returned once. */
export async function issueToken(
  m: EntityManager,
  user: Pick<User, 'id' | 'accountId'>,
  name: string,
  expiresAt: Date | null = null,
): Promise<IssuedToken> {
  const token = newSecret('chub');
  const record = await scoped(m, user.accountId)
    .repo(ApiTokenEntity)
    .insert({ userId: user.id, name, prefix: displayPrefix(token), tokenHash: hashSecret(token), expiresAt });
  return { token, record };
}

/** A user of the account with this role, made for the purpose if none exists (used by the CLI for ops tokens). */
export async function userForRole(m: EntityManager, accountId: string, role: Role, email?: string): Promise<User> {
  const users = scoped(m, accountId).repo(UserEntity);
  if (email) {
    const found = await users.query('u').andWhere('lower(u.email) = lower(:email)', { email }).getOne();
    if (found) {
      if (found.role !== role) throw new AccountInputError(`${email} has role ${found.role}, not ${role}`);
      return found;
    }
    return createUser(m, accountId, { email, role });
  }
  const [first] = await users.find({ where: { role, disabledAt: IsNull() }, order: { createdAt: 'ASC' }, take: 1 });
  if (first) return first;
  const account = await m.getRepository(AccountEntity).findOneByOrFail({ id: accountId });
  return createUser(m, accountId, { email: `${role}@${account.slug}.invalid`, role });
}

export async function revokeToken(ds: DataSource, accountId: string, tokenId: string): Promise<boolean> {
  const n = await scoped(ds.manager, accountId).repo(ApiTokenEntity).update({ id: tokenId }, { revokedAt: new Date() });
  return n > 0;
}
