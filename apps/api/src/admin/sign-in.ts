import { closeSession, openSession, principalForToken } from '@customer-hub/accounts';
import express, { Router } from 'express';
import { cookieOf, SESSION_COOKIE } from '../auth/authenticate';
import { can } from '../auth/permissions';
import type { ApiDeps } from '../deps';
import { BOARD_PATH } from './bull-board';

const page = (message = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Customer Hub · sign in</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}
input,button{font:inherit;width:100%;padding:.5rem;margin:.25rem 0;box-sizing:border-box}.err{color:#b00020}</style>
</head><body><h1>Queue dashboard</h1>
<p>Sign in with an API token of an admin or ops user (<code>npm run cli -- token:create …</code>).</p>
${message ? `<p class="err" role="alert">${message}</p>` : ''}
<form method="post" action="/admin/login"><label>API token
<input name="token" type="password" autocomplete="off" required autofocus></label>
<button type="submit">Sign in</button></form></body></html>`;

/** A small sign-in form that exchanges an API token for an HttpOnly, SameSite=Strict session cookie. */
export function signInRouter(deps: ApiDeps): Router {
  const router = Router();
  const secure = deps.config.http.publicBaseUrl.startsWith('https:');
  const cookie = (value: string, maxAge: number) =>
    `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;

  router.get('/login', (_req, res) => {
    res.type('html').send(page());
  });
  router.post('/login', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    const principal = token ? await principalForToken(deps.ds, token) : null;
    if (!principal) {
      res.status(401).type('html').send(page('That token is unknown, revoked or expired.'));
      return;
    }
    if (!can(principal.role, 'queues:read')) {
      res
        .status(403)
        .type('html')
        .send(page(`Role ${principal.role} may not view the queues.`));
      return;
    }
    const session = await openSession(deps.ds, principal, deps.config.http.sessionTtlSeconds);
    res.setHeader('Set-Cookie', cookie(session, deps.config.http.sessionTtlSeconds));
    res.redirect(303, BOARD_PATH);
  });
  router.post('/logout', async (req, res) => {
    const s = cookieOf(req, SESSION_COOKIE);
    if (s) await closeSession(deps.ds, s);
    res.setHeader('Set-Cookie', cookie('', 0));
    res.redirect(303, '/admin/login');
  });
  return router;
}
