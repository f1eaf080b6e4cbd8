import { EntitySchema } from 'typeorm';

/** A bearer token. Only its SHA-256 hash is stored; the token itself is shown once, when made. */
export interface ApiToken {
  id: string;
  accountId: string;
  userId: string;
  name: string;
  /** The first characters of the token, to tell tokens apart in listings. Not enough to use it. */
  prefix: string;
  tokenHash: Buffer;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export const ApiTokenEntity = new EntitySchema<ApiToken>({
  name: 'ApiToken',
  tableName: 'api_tokens',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    accountId: { name: 'account_id', type: 'uuid' },
    userId: { name: 'user_id', type: 'uuid' },
    name: { type: 'text' },
    prefix: { type: 'text' },
    tokenHash: { name: 'token_hash', type: 'bytea', unique: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    lastUsedAt: { name: 'last_used_at', type: 'timestamptz', nullable: true },
    expiresAt: { name: 'expires_at', type: 'timestamptz', nullable: true },
    revokedAt: { name: 'revoked_at', type: 'timestamptz', nullable: true },
  },
});
