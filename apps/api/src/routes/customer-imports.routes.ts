import type { CustomerImportParams } from '@customer-hub/contracts';
import { LIST_SEPARATOR, templateCsv, templateXlsx } from '@customer-hub/customers';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate';
import { acceptJob } from '../http/accept-job';
import { csvUploadDoc, csvUploadQuery, receiveCsvUpload } from '../http/csv-upload';
import { queryParameters } from '../http/doc';
import { defineRoutes } from '../http/route';
import { parseQuery } from '../http/validate';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const importQuery = z.object({
  mode: z.enum(['upsert', 'create', 'update', 'delete']).default('upsert'),
  blank: z
    .enum(['ignore', 'clear'])
    .default('ignore')
    .meta({ description: 'What a blank cell does: ignore keeps the stored value, clear clears it' }),
  separator: z.string().min(1).max(3).default(LIST_SEPARATOR).meta({
    description: 'Between the values of a labels, delivery_days or phones cell; no label or phone may hold a |',
  }),
  keyColumn: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: 'The column holding the customer number, where it has another name (Magento: email)' }),
  format: z.enum(['csv', 'xlsx']).optional(),
  sheet: z.string().min(1).max(100).optional().meta({ description: "The workbook's sheet (default the first)" }),
});

const file = (type: string) => ({ description: 'The template', content: { [type]: { schema: { type: 'string' } } } });

export const customerImportRoutes = defineRoutes([
  {
    method: 'post',
    path: '/imports/customers',
    permission: 'customers:import',
    doc: (() => {
      const doc = csvUploadDoc(
        'Import customer profiles from CSV or XLSX',
        'Columns as in GET /v1/imports/customers/template.csv. A workbook is known by its content type, its ' +
          '.xlsx file name, format=xlsx or its first bytes (a ZIP archive is never read as CSV). ' +
          'mode=upsert|create|update|delete; ' +
          'blank=ignore keeps stored values for blank cells, blank=clear clears them; validateOnly=true stops ' +
          'in awaiting_commit with the counts (created, updated, unchanged, deleted, rejected, skipped).',
      );
      return {
        ...doc,
        parameters: [...doc.parameters, ...queryParameters(importQuery)],
        requestBody: {
          content: { ...doc.requestBody.content, [XLSX_TYPE]: { schema: { type: 'string', format: 'binary' } } },
        },
      };
    })(),
    async handler(req, res, deps) {
      const q = parseQuery(importQuery, req, Object.keys(csvUploadQuery.shape));
      const csv = await receiveCsvUpload(req, deps, principalOf(req).accountId, 'customers', {
        extraTypes: [XLSX_TYPE],
        ownQuery: importQuery,
      });
      const xlsx =
        q.format === 'xlsx' || (q.format === undefined && (req.is(XLSX_TYPE) || /\.xlsx$/i.test(csv.fileName ?? '')));
      const params: CustomerImportParams = {
        ...csv,
        format: xlsx ? 'xlsx' : 'csv',
        mode: q.mode,
        blank: q.blank,
        separator: q.separator,
        ...(q.keyColumn ? { keyColumn: q.keyColumn } : {}),
        ...(q.sheet ? { sheet: q.sheet } : {}),
      };
      await acceptJob(req, res, deps, 'customer-import', params, params.inputFile);
    },
  },
  {
    method: 'get',
    path: '/imports/customers/template.csv',
    permission: 'customers:import',
    doc: { summary: 'The customer import template (CSV)', responses: { 200: file('text/csv') } },
    async handler(_req, res) {
      res.type('text/csv; charset=utf-8').attachment('customers-template.csv');
      templateCsv().pipe(res);
    },
  },
  {
    method: 'get',
    path: '/imports/customers/template.xlsx',
    permission: 'customers:import',
    doc: {
      summary: 'The customer import template (XLSX, with a sheet describing the columns)',
      responses: { 200: file(XLSX_TYPE) },
    },
    async handler(_req, res) {
      res.type(XLSX_TYPE).attachment('customers-template.xlsx');
      (await templateXlsx()).pipe(res);
    },
  },
]);
