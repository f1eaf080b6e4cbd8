import { type EntityManager, sqlRows } from '@customer-hub/db';
import type { NoteRevisionView, NoteView } from '../views';

interface NoteRow {
  id: string;
  body: string;
  created_by: string | null;
  created_at: Date;
  updated_by: string | null;
  updated_at: Date;
  revisions: number;
}

const present = (n: NoteRow): NoteView => ({
  id: n.id,
  body: n.body,
  createdBy: n.created_by,
  createdAt: n.created_at.toISOString(),
  updatedBy: n.updated_by,
  updatedAt: n.updated_at.toISOString(),
  revisions: Number(n.revisions),
});

const SELECT = `SELECT n.*, (SELECT count(*) FROM customer_note_revisions r WHERE r.note_id = n.id) AS revisions
  FROM customer_notes n`;

export async function listNotes(m: EntityManager, accountId: string, customerId: string) {
  const rows = await sqlRows<NoteRow>(
    m,
    `${SELECT} WHERE n.account_id = $1 AND n.customer_id = $2 ORDER BY n.created_at DESC, n.id`,
    [accountId, customerId],
  );
  return rows.map(present);
}

export async function addNote(m: EntityManager, accountId: string, customerId: string, body: string, userId: string) {
  const [row] = await sqlRows<NoteRow>(
    m,
    `INSERT INTO customer_notes (account_id, customer_id, body, created_by, updated_by) VALUES ($1, $2, $3, $4, $4)
     RETURNING *, 0 AS revisions`,
    [accountId, customerId, body, userId],
  );
  return present(row!);
}

/** Edits a note, keeping the text it replaces as a revision; null when there is no such note. */
export async function editNote(
  m: EntityManager,
  accountId: string,
  customerId: string,
  noteId: string,
  body: string,
  userId: string,
) {
  const [old] = await sqlRows<NoteRow>(
    m,
    'SELECT * FROM customer_notes WHERE account_id = $1 AND customer_id = $2 AND id = $3 FOR UPDATE',
    [accountId, customerId, noteId],
  );
  if (!old) return null;
  if (old.body !== body) {
    await m.query('INSERT INTO customer_note_revisions (note_id, body, edited_by, edited_at) VALUES ($1, $2, $3, $4)', [
      noteId,
      old.body,
      old.updated_by,
      old.updated_at,
    ]);
    await m.query(
      'UPDATE customer_notes SET body = $3, updated_by = $4, updated_at = now() WHERE account_id = $1 AND id = $2',
      [accountId, noteId, body, userId],
    );
  }
  const [row] = await sqlRows<NoteRow>(m, `${SELECT} WHERE n.id = $1`, [noteId]);
  return present(row!);
}

export async function deleteNote(m: EntityManager, accountId: string, customerId: string, noteId: string) {
  const rows = await sqlRows<{ id: string }>(
    m,
    'DELETE FROM customer_notes WHERE account_id = $1 AND customer_id = $2 AND id = $3 RETURNING id',
    [accountId, customerId, noteId],
  );
  return rows.length > 0;
}

/** Earlier texts of a note, oldest first. */
export async function noteRevisions(
  m: EntityManager,
  accountId: string,
  customerId: string,
  noteId: string,
): Promise<NoteRevisionView[]> {
  const rows = await sqlRows<{ body: string; edited_by: string | null; edited_at: Date }>(
    m,
    `SELECT r.body, r.edited_by, r.edited_at FROM customer_note_revisions r
     JOIN customer_notes n ON n.id = r.note_id
     WHERE n.account_id = $1 AND n.customer_id = $2 AND n.id = $3 ORDER BY r.id`,
    [accountId, customerId, noteId],
  );
  return rows.map((r) => ({ body: r.body, by: r.edited_by, at: r.edited_at.toISOString() }));
}
