import { JOB_STATES, jobKinds } from '@customer-hub/contracts';
import {
  accountViewSchema,
  catalogueViewSchema,
  customerGroupViewSchema,
  customerViewSchema,
  labelViewSchema,
  ledgerEntryViewSchema,
  noteRevisionViewSchema,
  noteViewSchema,
  numberChangeViewSchema,
  priceListPageViewSchema,
  priceListViewSchema,
  priceViewSchema,
} from '@customer-hub/customers';
import type { z } from 'zod';
import { json, outputSchema, pageOf, ref, schema } from './http/doc';
import { type RouteDef, toOpenApiPath } from './http/route';
import {
  customerProductCodesViewSchema,
  issuedTokenViewSchema,
  meViewSchema,
  productViewSchema,
  purchaseHistoryVersionViewSchema,
  tokenViewSchema,
} from './http/views';

/** The schemas of what the API answers with, each made from the zod schema its presenter's return type is. */
const VIEWS: Record<string, z.ZodType> = {
  Customer: customerViewSchema,
  NumberChange: numberChangeViewSchema,
  Note: noteViewSchema,
  NoteRevision: noteRevisionViewSchema,
  LedgerEntry: ledgerEntryViewSchema,
  Price: priceViewSchema,
  CustomerGroup: customerGroupViewSchema,
  PriceList: priceListViewSchema,
  PriceListPage: priceListPageViewSchema,
  Catalogue: catalogueViewSchema,
  Label: labelViewSchema,
  Account: accountViewSchema,
  Product: productViewSchema,
  PurchaseHistoryVersion: purchaseHistoryVersionViewSchema,
  CustomerProductCodes: customerProductCodesViewSchema,
  Me: meViewSchema,
  Token: tokenViewSchema,
  IssuedToken: issuedTokenViewSchema,
};

/** Routes outside /v1's route table: probes, metrics, the dashboard and its sign-in. */
const opsPaths = {
  '/healthz': { get: { summary: 'Process is up', security: [], responses: { 200: json('Up') } } },
  '/readyz': {
    get: {
      summary: 'Postgres and Redis are reachable',
      security: [],
      responses: { 200: json('Ready'), 503: ref('responses/Error') },
    },
  },
  '/metrics': {
    get: {
      summary:
        'Prometheus metrics: the API process (CPU, memory, event-loop lag, GC), HTTP, jobs by kind and state, job durations, queue depth (roles admin, ops)',
      responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': {} } } },
    },
  },
  '/v1/openapi.json': {
    get: { summary: 'This document', security: [], responses: { 200: json('OpenAPI 3.1') } },
  },
  '/admin/login': {
    get: {
      summary: 'Sign-in form for the queue dashboard',
      security: [],
      responses: { 200: { description: 'HTML form' } },
    },
    post: {
      summary: 'Exchange an API token for a session cookie',
      security: [],
      requestBody: {
        content: {
          'application/x-www-form-urlencoded': {
            schema: { type: 'object', properties: { token: { type: 'string' } } },
          },
        },
      },
      responses: { 303: { description: 'Signed in; redirect to the dashboard' }, 401: { description: 'Bad token' } },
    },
  },
  '/admin/logout': {
    post: { summary: 'End the dashboard session', security: [], responses: { 303: { description: 'Signed out' } } },
  },
  '/admin/queues': {
    get: {
      summary: 'Bull Board (admins: full; ops: read-only, writes answer 405)',
      responses: { 200: { description: 'HTML' } },
    },
  },
};

/** The OpenAPI document, made from the route table itself so the two cannot drift apart. */
export function buildOpenApi(routes: RouteDef[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = structuredClone(opsPaths);
  for (const r of routes) {
    const p = `/v1${toOpenApiPath(r.path)}`;
    paths[p] ??= {};
    paths[p][r.method] = { ...r.doc, 'x-permission': r.permission };
  }
  const jobSchema = {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'kind', 'state', 'progress', 'counts', 'submittedBy', 'createdAt', 'files'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      kind: { type: 'string', enum: jobKinds },
      state: { type: 'string', enum: JOB_STATES },
      progress: {
        type: 'object',
        additionalProperties: false,
        required: ['phase', 'processed', 'total'],
        properties: {
          phase: {
            type: 'string',
            enum: ['processing', 'committing'],
            description:
              'processing: reading and checking (data rows read so far, the header not counted; the total once ' +
              'known); committing: applying the checked changes (rows applied so far, of the rows that change ' +
              'something: 0 of 0 when none does).',
          },
          processed: { type: 'integer' },
          total: { type: ['integer', 'null'] },
        },
      },
      request: {
        type: 'object',
        description:
          'What the job was asked to do: its options as given (fileName, mode, validateOnly, filter…); a label ' +
          "edit's customer numbers as customerRefCount.",
      },
      counts: { type: 'object', additionalProperties: { type: 'integer' } },
      submittedBy: { type: 'string', format: 'uuid' },
      attempts: { type: 'integer' },
      cancelRequested: { type: 'boolean' },
      createdAt: { type: 'string', format: 'date-time' },
      startedAt: { type: ['string', 'null'], format: 'date-time' },
      finishedAt: { type: ['string', 'null'], format: 'date-time' },
      error: schema('ErrorBody'),
      files: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'url', 'contentType', 'bytes'],
          properties: {
            name: { type: 'string' },
            url: { type: 'string' },
            contentType: { type: 'string' },
            bytes: { type: 'integer' },
            expiresAt: { type: ['string', 'null'], format: 'date-time' },
          },
        },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Customer Hub API',
      version: '0.1.0',
      description:
        'Bulk jobs on B2B customer data. Every bulk request answers 202 { jobId }; poll GET /v1/jobs/{id}. ' +
        "Errors are { error: { code, message, details? } }. A /v1 call of another account's resource gets 404.",
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        session: { type: 'apiKey', in: 'cookie', name: 'hub_session' },
      },
      schemas: {
        ErrorBody: {
          type: 'object',
          required: ['code', 'message'],
          properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
        },
        Job: jobSchema,
        ...Object.fromEntries(Object.entries(VIEWS).map(([name, view]) => [name, outputSchema(view)])),
      },
      responses: {
        Error: json('Error', { type: 'object', required: ['error'], properties: { error: schema('ErrorBody') } }),
        Job: json('The job', schema('Job')),
        JobList: json('A page of jobs', pageOf(schema('Job'))),
        Accepted: json('Job accepted', {
          type: 'object',
          required: ['jobId'],
          properties: { jobId: { type: 'string', format: 'uuid' }, job: schema('Job') },
        }),
      },
    },
  };
}
