import { type Principal, principalForSession, principalForToken } from '@customer-hub/accounts';
import type { DataSource } from '@customer-hub/db';
import type { Request, RequestHandler } from 'express';
import { HttpError } from '../http/errors';
import { can, type Permission } from './permissions';

export const SESSION_COOKIE = 'hub_session';

function bearerOf(req: Request): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new HttpError(401, 'unauthorized', 'Authorization header must be "Bearer <token>".');
  return m[1]!;
}

export function cookieOf(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

/** Resolves the caller from a bearer token (API) or, where allowed, the session cookie (browser pages). */
export function authenticate(ds: DataSource, opts: { allowSession?: boolean } = {}): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerOf(req);
    let principal: Principal | null = null;
    if (token) principal = await principalForToken(ds, token);
    else if (opts.allowSession) {
      const s = cookieOf(req, SESSION_COOKIE);
      if (s) principal = await principalForSession(ds, s);
    }
    if (!principal) {
      throw new HttpError(
        401,
        'unauthorized',
        token ? 'The token is unknown, revoked or expired.' : 'Sign in: send "Authorization: Bearer <token>".',
      );
    }
    req.principal = principal;
    req.log?.setBindings?.({ accountId: principal.accountId, userId: principal.userId });
    next();
  };
}

/** Refuses the request unless the caller's role holds the permission. */
export function authorize(permission: Permission): RequestHandler {
  return (req, _res, next) => {
    const p = req.principal;
    if (!p) throw new HttpError(401, 'unauthorized', 'Not signed in.');
    if (!can(p.role, permission))
      throw new HttpError(403, 'forbidden', `Role ${p.role} may not do this (${permission}).`);
    next();
  };
}

/** The caller; only for handlers behind {@link authenticate}. */
export function principalOf(req: Request): Principal {
  if (!req.principal) throw new HttpError(401, 'unauthorized', 'Not signed in.');
  return req.principal;
}
