import {
  addNote,
  adjustBalance,
  deleteNote,
  editNote,
  findCustomer,
  ledger,
  listNotes,
  noteRevisions,
  pricesFor,
} from '@customer-hub/customers';
import type { Request } from 'express';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate';
import type { ApiDeps } from '../deps';
import { customerRefParam, json, jsonBody, listOf, pageOf, schema } from '../http/doc';
import { notFound } from '../http/errors';
import { pageParameters, pageQuery } from '../http/page';
import { defineRoutes } from '../http/route';
import { idParam, parseBody, parseQuery } from '../http/validate';

const noteParam = { name: 'note', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const noteBody = z.object({ body: z.string().trim().min(1).max(10_000) }).strict();
const balanceAdjustment = z
  .object({
    balance: z.enum(['store_credit', 'on_account']),
    amountMinor: z
      .number()
      .int()
      .refine((n) => n !== 0 && Math.abs(n) <= 1e13, 'must be non-zero and at most 1e13'),
    reason: z.string().trim().min(1).max(500),
  })
  .strict();

/** The live (not deleted) customer the path names, in the caller's account; 404 otherwise. */
async function customerOf(req: Request, deps: ApiDeps) {
  const c = await findCustomer(deps.ds.manager, principalOf(req).accountId, String(req.params.ref));
  if (!c || c.deleted_at) throw notFound('customer');
  return c;
}

const noteIdOf = (req: Request) => idParam(req, 'note', 'note');

/** Ledger entries per page: most, default. The cursor is an entry's id. */
const LEDGER_PAGE = [1000, 100] as const;
const ledgerQuery = pageQuery(...LEDGER_PAGE).extend({
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'is not an entry id')
    .optional(),
});

export const customerRecordRoutes = defineRoutes([
  {
    method: 'get',
    path: '/customers/:ref/notes',
    permission: 'customers:read',
    doc: {
      summary: "A customer's notes, newest first",
      parameters: [customerRefParam],
      responses: { 200: json('Notes', listOf(schema('Note'))) },
    },
    async handler(req, res, deps) {
      const c = await customerOf(req, deps);
      res.json({ items: await listNotes(deps.ds.manager, principalOf(req).accountId, c.id) });
    },
  },
  {
    method: 'post',
    path: '/customers/:ref/notes',
    permission: 'customers:write',
    doc: {
      summary: 'Add a note (stamped with time and operator)',
      parameters: [customerRefParam],
      requestBody: jsonBody(noteBody),
      responses: { 201: json('The note', schema('Note')) },
    },
    async handler(req, res, deps) {
      const p = principalOf(req);
      const { body: text } = parseBody(noteBody, req);
      const c = await customerOf(req, deps);
      res.status(201).json(await addNote(deps.ds.manager, p.accountId, c.id, text, p.userId));
    },
  },
  {
    method: 'patch',
    path: '/customers/:ref/notes/:note',
    permission: 'customers:write',
    doc: {
      summary: 'Edit a note (the old text is kept as a revision)',
      parameters: [customerRefParam, noteParam],
      requestBody: jsonBody(noteBody),
      responses: { 200: json('The note', schema('Note')) },
    },
    async handler(req, res, deps) {
      const p = principalOf(req);
      const { body: text } = parseBody(noteBody, req);
      const c = await customerOf(req, deps);
      const note = await deps.ds.transaction((m) => editNote(m, p.accountId, c.id, noteIdOf(req), text, p.userId));
      if (!note) throw notFound('note');
      res.json(note);
    },
  },
  {
    method: 'get',
    path: '/customers/:ref/notes/:note/revisions',
    permission: 'customers:read',
    doc: {
      summary: 'Earlier texts of a note',
      parameters: [customerRefParam, noteParam],
      responses: { 200: json('Revisions', listOf(schema('NoteRevision'))) },
    },
    async handler(req, res, deps) {
      const c = await customerOf(req, deps);
      res.json({ items: await noteRevisions(deps.ds.manager, principalOf(req).accountId, c.id, noteIdOf(req)) });
    },
  },
  {
    method: 'delete',
    path: '/customers/:ref/notes/:note',
    permission: 'customers:write',
    doc: {
      summary: 'Delete a note',
      parameters: [customerRefParam, noteParam],
      responses: { 204: { description: 'Deleted' } },
    },
    async handler(req, res, deps) {
      const c = await customerOf(req, deps);
      if (!(await deleteNote(deps.ds.manager, principalOf(req).accountId, c.id, noteIdOf(req)))) throw notFound('note');
      res.status(204).end();
    },
  },
  {
    method: 'post',
    path: '/customers/:ref/balance-adjustments',
    permission: 'customers:write',
    doc: {
      summary: 'Adjust store credit or the on-account balance (minor units; recorded in the ledger)',
      parameters: [customerRefParam],
      requestBody: jsonBody(balanceAdjustment),
      responses: {
        201: json('The ledger entry', schema('LedgerEntry')),
        422: { $ref: '#/components/responses/Error' },
      },
    },
    async handler(req, res, deps) {
      const p = principalOf(req);
      const a = parseBody(balanceAdjustment, req);
      const c = await customerOf(req, deps);
      const entry = await deps.ds.transaction((m) => adjustBalance(m, p.accountId, c.id, { ...a, userId: p.userId }));
      if (!entry) throw notFound('customer');
      res.status(201).json(entry);
    },
  },
  {
    method: 'get',
    path: '/customers/:ref/balance-adjustments',
    permission: 'customers:read',
    doc: {
      summary: 'The balance ledger, newest first, in pages',
      parameters: [customerRefParam, ...pageParameters(...LEDGER_PAGE)],
      responses: { 200: json('A page of entries and the next cursor', pageOf(schema('LedgerEntry'))) },
    },
    async handler(req, res, deps) {
      const { cursor, limit } = parseQuery(ledgerQuery, req);
      const c = await customerOf(req, deps);
      res.json(await ledger(deps.ds.manager, principalOf(req).accountId, c.id, { after: cursor, limit }));
    },
  },
  {
    method: 'get',
    path: '/customers/:ref/prices',
    permission: 'customers:read',
    doc: {
      summary: "Each product's price for this customer and where it comes from (group price list, else base)",
      parameters: [
        customerRefParam,
        {
          name: 'products',
          in: 'query',
          required: true,
          schema: { type: 'string' },
          description: 'Codes, comma-separated',
        },
      ],
      responses: { 200: json('Prices', listOf(schema('Price'))) },
    },
    async handler(req, res, deps) {
      const q = parseQuery(z.object({ products: z.string().min(1).max(10_000) }), req);
      const products = [
        ...new Set(
          q.products
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ].slice(0, 500);
      const c = await customerOf(req, deps);
      res.json({ items: await pricesFor(deps.ds.manager, principalOf(req).accountId, c.id, products) });
    },
  },
]);
