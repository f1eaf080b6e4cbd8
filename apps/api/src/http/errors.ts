import { CustomerRuleError } from '@customer-hub/customers';
import { FileTooLargeError } from '@customer-hub/files';
import { IdempotencyConflictError, InvalidCursorError, QueueUnavailableError } from '@customer-hub/queue';
import type { ErrorRequestHandler, RequestHandler } from 'express';

/** An error with the HTTP status and the stable code clients switch on. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) => new HttpError(400, 'bad_request', message, details);
export const notFound = (what = 'resource') => new HttpError(404, 'not_found', `${what} not found`);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);

const PG_DOWN = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '57P01', '57P03', '08006', '08001', '08003']);

function isDatabaseDown(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string }; message?: string };
  const code = e.driverError?.code ?? e.code;
  return (
    (code !== undefined && PG_DOWN.has(code)) ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(e.message ?? '')
  );
}

/** Maps anything thrown to the `{ error: { code, message, details? } }` shape and a fitting status. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof CustomerRuleError) return new HttpError(err.status, err.code, err.message);
  if (err instanceof QueueUnavailableError)
    return new HttpError(503, 'queue_unavailable', 'The job queue is unavailable; try again shortly.');
  if (err instanceof IdempotencyConflictError) return new HttpError(409, 'idempotency_conflict', err.message);
  if (err instanceof InvalidCursorError) return badRequest(err.message);
  if (err instanceof FileTooLargeError)
    return new HttpError(413, 'payload_too_large', `Upload is larger than the limit of ${err.maxBytes} bytes.`);
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  if (e.type === 'entity.parse.failed')
    return new HttpError(400, 'malformed_json', `Request body is not valid JSON: ${e.message}`);
  if (e.type === 'entity.too.large')
    return new HttpError(413, 'payload_too_large', `Request body is larger than ${e.limit} bytes.`);
  if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported')
    return new HttpError(415, 'unsupported_media_type', e.message ?? 'unsupported encoding');
  if (isDatabaseDown(err))
    return new HttpError(503, 'database_unavailable', 'The database is unavailable; try again shortly.');
  return new HttpError(
    500,
    'internal_error',
    'Something went wrong on our side. The request id identifies it in our logs.',
  );
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const http = toHttpError(err);
  if (http.status >= 500) req.log?.error({ err }, 'request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (http.status === 413) res.setHeader('Connection', 'close');
  res.status(http.status).json({
    error: { code: http.code, message: http.message, ...(http.details === undefined ? {} : { details: http.details }) },
  });
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}`));
};
