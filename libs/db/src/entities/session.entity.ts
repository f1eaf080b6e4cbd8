import { EntitySchema } from 'typeorm';

/** A browser session (Bull Board sign-in). The cookie value is stored only as its SHA-256 hash. */
export interface Session {
  id: string;
  accountId: string;
  userId: string;
  sessionHash: Buffer;
  createdAt: Date;
  expiresAt: Date;
}

export const SessionEntity = new EntitySchema<Session>({
  name: 'Session',
  tableName: 'sessions',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    accountId: { name: 'account_id', type: 'uuid' },
    userId: { name: 'user_id', type: 'uuid' },
    sessionHash: { name: 'session_hash', type: 'bytea', unique: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    expiresAt: { name: 'expires_at', type: 'timestamptz' },
  },
});
