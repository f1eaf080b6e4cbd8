import type { Role } from '@customer-hub/contracts';
import { type DataSource, sqlRows } from '@customer-hub/db';
import { hashSecret, newSecret } from './secrets';

/** Who is calling: resolved from a bearer token or a browser session. */
export interface Principal {
  accountId: string;
  accountSlug: string;
  userId: string;
  email: string;
  role: Role;
  customerId: string | null;
  tokenId: string | null;
}

interface PrincipalRow {
  account_id: string;
  slug: string;
  user_id: string;
  email: string;
  role: Role;
  customer_id: string | null;
  credential_id: string;
  last_used_at: Date | null;
}

const toPrincipal = (r: PrincipalRow, viaToken: boolean): Principal => ({
  accountId: r.account_id,
  accountSlug: r.slug,
  userId: r.user_id,
  email: r.email,
  role: r.role,
  customerId: r.customer_id,
  tokenId: viaToken ? r.credential_id : null,
});

const TOUCH_EVERY_MS = 60_000;

/** Resolves a bearer token to its principal, or null if unknown, revoked, expired or its user disabled. */
export async function principalForToken(ds: DataSource, token: string): Promise<Principal | null> {
  if (!token || token.length > 200) return null;
  const [row] = await sqlRows<PrincipalRow>(
    ds,
    `SELECT a.id AS account_id, a.slug, u.id AS user_id, u.email, u.role, u.customer_id,
            t.id AS credential_id, t.last_used_at
     FROM api_tokens t JOIN users u ON u.id = t.user_id AND u.account_id = t.account_id
     JOIN accounts a ON a.id = t.account_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
       AND u.disabled_at IS NULL`,
    [hashSecret(token)],
  );
  if (!row) return null;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > TOUCH_EVERY_MS) {
    await ds.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [row.credential_id]);
  }
  return toPrincipal(row, true);
}

/** Opens a browser session for the principal; returns the cookie value (stored only as a hash). */
export async function openSession(ds: DataSource, p: Principal, ttlSeconds: number): Promise<string> {
  const secret = newSecret('chs');
  await ds.query(
    `INSERT INTO sessions (account_id, user_id, session_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
    [p.accountId, p.userId, hashSecret(secret), ttlSeconds],
  );
  // Housekeeping: expired sessions of anyone are useless; drop them while we are here.
  await ds.query('DELETE FROM sessions WHERE expires_at < now()');
  return secret;
}

export async function principalForSession(ds: DataSource, secret: string): Promise<Principal | null> {
  if (!secret || secret.length > 200) return null;
  const [row] = await sqlRows<PrincipalRow>(
    ds,
    `SELECT a.id AS account_id, a.slug, u.id AS user_id, u.email, u.role, u.customer_id,
            s.id AS credential_id, NULL AS last_used_at
     FROM sessions s JOIN users u ON u.id = s.user_id AND u.account_id = s.account_id
     JOIN accounts a ON a.id = s.account_id
     WHERE s.session_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
    [hashSecret(secret)],
  );
  return row ? toPrincipal(row, false) : null;
}

export async function closeSession(ds: DataSource, secret: string): Promise<void> {
  await ds.query('DELETE FROM sessions WHERE session_hash = $1', [hashSecret(secret)]);
}
