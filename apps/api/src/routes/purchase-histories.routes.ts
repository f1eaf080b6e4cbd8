import { copyOut } from '@customer-hub/db';
import {
  currentCodesFor,
  currentVersionId,
  listVersions,
  restoreVersion,
  versionCsvCopy,
} from '@customer-hub/purchase-history';
import { principalOf } from '../auth/authenticate';
import { acceptJob } from '../http/accept-job';
import { csvUploadDoc, receiveCsvUpload } from '../http/csv-upload';
import { json, listOf, ref, schema } from '../http/doc';
import { notFound } from '../http/errors';
import { defineRoutes } from '../http/route';
import type { CustomerProductCodesView, PurchaseHistoryVersionView } from '../http/views';

export const purchaseHistoryRoutes = defineRoutes([
  {
    method: 'post',
    path: '/purchase-histories',
    permission: 'purchase-history:write',
    doc: csvUploadDoc(
      'Upload a purchase history (replaces the published one atomically when the job succeeds)',
      'Body: the CSV file (text/csv). Column 1 is the customer reference, column 2 the product code; further ' +
        'columns are ignored. Rejected rows are listed in errors.csv with line, column, value and reason.',
    ),
    async handler(req, res, deps) {
      const params = await receiveCsvUpload(req, deps, principalOf(req).accountId, 'purchase-history');
      await acceptJob(req, res, deps, 'purchase-history', params, params.inputFile);
    },
  },
  {
    method: 'get',
    path: '/purchase-histories',
    permission: 'purchase-history:read',
    doc: {
      summary: 'Kept versions, the current one first',
      responses: { 200: json('Versions', listOf(schema('PurchaseHistoryVersion'))) },
    },
    async handler(req, res, deps) {
      const items: PurchaseHistoryVersionView[] = await listVersions(
        deps.ds,
        principalOf(req).accountId,
        deps.config.purchaseHistory.keepVersions,
      );
      res.json({ items });
    },
  },
  {
    method: 'post',
    path: '/purchase-histories/:version/restore',
    permission: 'purchase-history:write',
    doc: {
      summary: 'Publish an earlier, still kept version again',
      parameters: [{ name: 'version', in: 'path', required: true, schema: { type: 'integer' } }],
      responses: {
        200: json('The restored version', schema('PurchaseHistoryVersion')),
        404: ref('responses/Error'),
      },
    },
    async handler(req, res, deps) {
      const p = principalOf(req);
      const v = req.params.version;
      if (typeof v !== 'string' || !/^\d{1,18}$/.test(v)) throw notFound('version');
      if (!(await restoreVersion(deps.ds, p.accountId, v, p.userId))) throw notFound('version');
      const items: PurchaseHistoryVersionView[] = await listVersions(
        deps.ds,
        p.accountId,
        deps.config.purchaseHistory.keepVersions,
      );
      res.json(items.find((i) => i.version === Number(v)));
    },
  },
  {
    method: 'get',
    path: '/purchase-histories/current/customers/:ref',
    permission: 'purchase-history:read',
    doc: {
      summary: "One customer's product codes in the published history",
      parameters: [{ name: 'ref', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: json("The customer's product codes", schema('CustomerProductCodes')),
        404: ref('responses/Error'),
      },
    },
    async handler(req, res, deps) {
      const customerRef = String(req.params.ref);
      const found = await currentCodesFor(deps.ds, principalOf(req).accountId, customerRef);
      if (!found) throw notFound('published purchase history');
      const answer: CustomerProductCodesView = {
        version: found.version,
        customerRef,
        productCodes: found.productCodes,
      };
      res.json(answer);
    },
  },
  {
    method: 'get',
    path: '/purchase-histories/current/file',
    permission: 'purchase-history:read',
    doc: {
      summary: 'The published purchase history as CSV, in storage order (streamed by Postgres)',
      responses: { 200: { description: 'CSV', content: { 'text/csv': {} } }, 404: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      const accountId = principalOf(req).accountId;
      const version = await currentVersionId(deps.ds, accountId);
      if (!version) throw notFound('published purchase history');
      const csv = await copyOut(deps.ds, versionCsvCopy(version));
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="purchase-history-v${version}.csv"`);
      csv.on('error', (err) => res.destroy(err));
      res.on('close', () => csv.destroy());
      csv.pipe(res);
    },
  },
]);
