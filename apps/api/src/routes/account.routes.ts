import { accountDefaultsPatchSchema, getAccountDefaults, patchAccountDefaults } from '@customer-hub/customers';
import { principalOf } from '../auth/authenticate';
import { json, jsonBody, ref, schema } from '../http/doc';
import { notFound } from '../http/errors';
import { defineRoutes } from '../http/route';
import { parseBody } from '../http/validate';

/** The caller's account and what it sets for all its customers (its default delivery days). */
export const accountRoutes = defineRoutes([
  {
    method: 'get',
    path: '/account',
    permission: 'account:read',
    doc: {
      summary: "The caller's account: slug, name and default delivery days",
      responses: { 200: json('The account', schema('Account')) },
    },
    async handler(req, res, deps) {
      const account = await getAccountDefaults(deps.ds.manager, principalOf(req).accountId);
      if (!account) throw notFound('account');
      res.json(account);
    },
  },
  {
    method: 'patch',
    path: '/account',
    permission: 'account:write',
    doc: {
      summary: 'Change the default delivery days (`deliveryDays`: mon … sun, at least one)',
      description:
        'Customers without delivery days of their own (`deliveryDays: null`) get these: ' +
        'their `effectiveDeliveryDays` follow.',
      requestBody: jsonBody(accountDefaultsPatchSchema),
      responses: { 200: json('The account', schema('Account')), 400: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      const patch = parseBody(accountDefaultsPatchSchema, req);
      const account = await patchAccountDefaults(deps.ds.manager, principalOf(req).accountId, patch);
      if (!account) throw notFound('account');
      res.json(account);
    },
  },
]);
