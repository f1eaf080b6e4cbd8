import { type EntityManager, sqlRows } from '@customer-hub/db';
import { type PageRequest, pageOf } from '../reference/page';
import type { LedgerEntryView } from '../views';
import { CustomerRuleError } from './customers.service';

export type Balance = 'store_credit' | 'on_account';
const COLUMN: Record<Balance, string> = { store_credit: 'store_credit_minor', on_account: 'on_account_minor' };

/**
 * Adds `amountMinor` (negative to take off) to a balance and records it in the ledger with the reason and the
 * operator, in the caller's transaction. Store credit never goes below zero; on-account may (the customer owes).
 */
export async function adjustBalance(
  m: EntityManager,
  accountId: string,
  customerId: string,
  a: { balance: Balance; amountMinor: number; reason: string; userId: string },
) {
  const col = COLUMN[a.balance];
  const [c] = await sqlRows<{ current: string; currency: string }>(
    m,
    `SELECT ${col} AS current, currency FROM customers WHERE account_id = $1 AND id = $2 FOR UPDATE`,
    [accountId, customerId],
  );
  if (!c) return null;
  const after = BigInt(c.current) + BigInt(a.amountMinor);
  if (a.balance === 'store_credit' && after < 0n) {
    throw new CustomerRuleError(
      422,
      'insufficient_store_credit',
      `Store credit is ${c.current} (minor units); taking ${-a.amountMinor} would make it negative.`,
    );
  }
  await m.query(`UPDATE customers SET ${col} = $3, updated_at = now() WHERE account_id = $1 AND id = $2`, [
    accountId,
    customerId,
    after.toString(),
  ]);
  const [entry] = await sqlRows<LedgerRow>(
    m,
    `INSERT INTO balance_entries (account_id, customer_id, balance, amount_minor, balance_after_minor, currency, reason, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [accountId, customerId, a.balance, a.amountMinor, after.toString(), c.currency, a.reason, a.userId],
  );
  return presentEntry(entry!);
}

interface LedgerRow {
  id: string;
  balance: Balance;
  amount_minor: string;
  balance_after_minor: string;
  currency: string;
  reason: string;
  created_by: string | null;
  created_at: Date;
}

const presentEntry = (e: LedgerRow): LedgerEntryView => ({
  id: Number(e.id),
  balance: e.balance,
  amountMinor: Number(e.amount_minor),
  balanceAfterMinor: Number(e.balance_after_minor),
  currency: e.currency,
  reason: e.reason,
  by: e.created_by,
  at: e.created_at.toISOString(),
});

/** A page of the customer's ledger, newest first: the entries before the entry id `page.after`. */
export async function ledger(m: EntityManager, accountId: string, customerId: string, page: PageRequest) {
  const rows = await sqlRows<LedgerRow>(
    m,
    `SELECT * FROM balance_entries WHERE account_id = $1 AND customer_id = $2 AND ($3::bigint IS NULL OR id < $3)
     ORDER BY id DESC LIMIT $4`,
    [accountId, customerId, page.after ?? null, page.limit + 1],
  );
  return pageOf(rows.map(presentEntry), page.limit, (e) => String(e.id));
}
