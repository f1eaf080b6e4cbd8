import { createHash, randomBytes } from 'node:crypto';

/** A new random secret with a readable prefix, e.g. `chub_…` for API tokens. 256 bits of entropy. */
export const newSecret = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

/** Secrets are stored only as their SHA-256: they are random, so no salt or slow hash is needed. */
export const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

/** The part of a token shown in listings, to tell tokens apart; useless for signing in. */
export const displayPrefix = (secret: string) => secret.slice(0, 12);
