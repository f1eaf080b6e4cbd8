import { issueToken, revokeToken } from '@customer-hub/accounts';
import { isRole } from '@customer-hub/contracts';
import { ApiTokenEntity, scoped, UserEntity } from '@customer-hub/db';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate';
import { json, jsonBody, listOf, ref, schema } from '../http/doc';
import { HttpError, notFound } from '../http/errors';
import { defineRoutes } from '../http/route';
import { idParam, parseBody } from '../http/validate';
import type { IssuedTokenView, MeView, TokenView } from '../http/views';

const newToken = z
  .object({
    userId: z.string().uuid(),
    name: z.string().trim().min(1).max(100),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

export const meRoutes = defineRoutes([
  {
    method: 'get',
    path: '/me',
    permission: 'me:read',
    doc: { summary: 'Who the caller is', responses: { 200: json('The caller', schema('Me')) } },
    async handler(req, res) {
      const p = principalOf(req);
      const me: MeView = {
        userId: p.userId,
        email: p.email,
        role: p.role,
        account: { id: p.accountId, slug: p.accountSlug },
      };
      res.json(me);
    },
  },
  {
    method: 'get',
    path: '/tokens',
    permission: 'tokens:manage',
    doc: {
      summary: "The account's API tokens (never the secrets)",
      responses: { 200: json('Tokens', listOf(schema('Token'))) },
    },
    async handler(req, res, deps) {
      const p = principalOf(req);
      const rows = await scoped(deps.ds.manager, p.accountId)
        .repo(ApiTokenEntity)
        .find({ order: { createdAt: 'DESC' } });
      const items = rows.map(
        (t): TokenView => ({
          id: t.id,
          userId: t.userId,
          name: t.name,
          prefix: t.prefix,
          createdAt: t.createdAt.toISOString(),
          lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
          expiresAt: t.expiresAt?.toISOString() ?? null,
          revokedAt: t.revokedAt?.toISOString() ?? null,
        }),
      );
      res.json({ items });
    },
  },
  {
    method: 'post',
    path: '/tokens',
    permission: 'tokens:manage',
    doc: {
      summary: 'Issue a token for a user of the account; the token is in this answer only',
      requestBody: jsonBody(newToken),
      responses: {
        201: json('The new token (shown once)', schema('IssuedToken')),
        400: ref('responses/Error'),
        404: ref('responses/Error'),
      },
    },
    async handler(req, res, deps) {
      const p = principalOf(req);
      const body = parseBody(newToken, req);
      const user = await scoped(deps.ds.manager, p.accountId).repo(UserEntity).findOneBy({ id: body.userId });
      if (!user || user.disabledAt) throw notFound('user');
      if (!isRole(user.role)) throw new HttpError(409, 'conflict', 'user has no valid role');
      const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null;
      const issued = await issueToken(deps.ds.manager, user, body.name, expiresAt);
      const answer: IssuedTokenView = {
        id: issued.record.id,
        token: issued.token,
        prefix: issued.record.prefix,
        expiresAt: expiresAt?.toISOString() ?? null,
      };
      res.status(201).json(answer);
    },
  },
  {
    method: 'delete',
    path: '/tokens/:id',
    permission: 'tokens:manage',
    doc: {
      summary: 'Revoke a token at once',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
      responses: { 204: { description: 'Revoked' }, 404: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      const p = principalOf(req);
      if (!(await revokeToken(deps.ds, p.accountId, idParam(req, 'id', 'token')))) throw notFound('token');
      res.status(204).end();
    },
  },
]);
