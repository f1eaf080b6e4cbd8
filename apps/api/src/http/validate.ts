import type { Request } from 'express';
import type { z } from 'zod';
import { HttpError, notFound } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not a UUID can't name anything: 404, like any other unknown id. */
export function idParam(req: Request, name = 'id', what = 'resource'): string {
  const v = req.params[name];
  if (typeof v !== 'string' || !UUID.test(v)) throw notFound(what);
  return v.toLowerCase();
}

/** zod's message for a missing field says what it expected and that it "received undefined": say it's required. */
const parseOptions = {
  error: (issue: z.core.$ZodRawIssue) =>
    issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined,
};

function issuesOf(err: z.ZodError, where: string) {
  return err.issues.map((i) => ({ field: [where, ...i.path].join('.'), message: i.message }));
}

/**
 * The query as `schema` reads it. A key neither it nor `alsoKnown` (keys the route reads with another schema)
 * knows is refused, as a JSON body's is: dropped, a misspelt filter listed everything and a misspelt
 * `validateOnly` applied a file at once.
 */
export function parseQuery<S extends z.ZodObject>(
  schema: S,
  req: Request,
  alsoKnown: readonly string[] = [],
): z.infer<S> {
  const known = new Set([...Object.keys(schema.shape), ...alsoKnown]);
  const unknown = Object.keys(req.query).filter((k) => !known.has(k));
  const r = schema.safeParse(req.query, parseOptions);
  const issues = [
    ...(unknown.length
      ? [
          {
            field: 'query',
            message: `Unrecognized key${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => `"${k}"`).join(', ')}`,
          },
        ]
      : []),
    ...(r.success ? [] : issuesOf(r.error, 'query')),
  ];
  if (!r.success || issues.length) {
    throw new HttpError(400, 'invalid_query', 'Query parameters are not valid.', issues);
  }
  return r.data;
}

export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  if (req.body === undefined && req.headers['content-length'] && !req.is('application/json')) {
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json.');
  }
  const r = schema.safeParse(req.body ?? {}, parseOptions);
  if (!r.success) throw new HttpError(400, 'invalid_body', 'Request body is not valid.', issuesOf(r.error, 'body'));
  return r.data;
}

/** The `Idempotency-Key` header, if any (1–255 visible ASCII characters). */
export function idempotencyKeyOf(req: Request): string | null {
  const v = req.header('idempotency-key');
  if (v === undefined) return null;
  if (!/^[\x21-\x7e]{1,255}$/.test(v)) {
    throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
  }
  return v;
}
