import { getProduct, listProducts } from '@customer-hub/catalogue';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate';
import { acceptJob } from '../http/accept-job';
import { csvUploadDoc, receiveCsvUpload } from '../http/csv-upload';
import { json, pageOf, queryParameters, ref, schema } from '../http/doc';
import { notFound } from '../http/errors';
import { pageQuery } from '../http/page';
import { defineRoutes } from '../http/route';
import { parseQuery } from '../http/validate';
import type { ProductView } from '../http/views';

const listQuery = pageQuery(500, 100).extend({
  search: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: 'Prefix of the code (as typed, or in capitals) or of the name (either case)' }),
});

export const productRoutes = defineRoutes([
  {
    method: 'post',
    path: '/imports/products',
    permission: 'products:write',
    doc: csvUploadDoc(
      'Import the product catalogue (upsert by product code)',
      'Body: a CSV with a header row. The product code and name columns are found by name (code/sku, ' +
        'name/description) or else are columns 1 and 2; every further column is product data, kept under its ' +
        'header name in file order.',
    ),
    async handler(req, res, deps) {
      const params = await receiveCsvUpload(req, deps, principalOf(req).accountId, 'products');
      await acceptJob(req, res, deps, 'product-import', params, params.inputFile);
    },
  },
  {
    method: 'get',
    path: '/products',
    permission: 'products:read',
    doc: {
      summary: 'Products by code, with a code or name prefix search',
      parameters: queryParameters(listQuery),
      responses: { 200: json('A page of products', pageOf(schema('Product'))) },
    },
    async handler(req, res, deps) {
      const q = parseQuery(listQuery, req);
      const page: { items: ProductView[]; nextCursor: string | null } = await listProducts(
        deps.ds,
        principalOf(req).accountId,
        { search: q.search, after: q.cursor, limit: q.limit },
      );
      res.json(page);
    },
  },
  {
    method: 'get',
    path: '/products/:code',
    permission: 'products:read',
    doc: {
      summary: 'One product and its data',
      parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { 200: json('The product', schema('Product')), 404: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      const product: ProductView | null = await getProduct(
        deps.ds,
        principalOf(req).accountId,
        String(req.params.code),
      );
      if (!product) throw notFound('product');
      res.json(product);
    },
  },
]);
