import type { CsvReadParams } from '@customer-hub/contracts';
import type { Request } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { HttpError } from './errors';
import { storeMultipartUpload, storeUpload, type UploadLimits } from './upload';
import { parseQuery } from './validate';

const DELIMITERS = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  tab: '\t',
  '\t': '\t',
  '|': '|',
  pipe: '|',
} as const;
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Query parameters shared by every CSV upload (purchase histories, product imports). */
export const csvUploadQuery = z.object({
  header: bool.optional(),
  delimiter: z.enum(Object.keys(DELIMITERS) as [keyof typeof DELIMITERS]).optional(),
  encoding: z
    .enum(['utf-8', 'utf8', 'utf-16le', 'utf-16be', 'windows-1252', 'cp1252', 'latin1', 'cp437', 'cp850'])
    .optional(),
  maxErrors: z.coerce.number().int().min(0).max(1_000_000).default(0),
  validateOnly: bool.default(false),
  fileName: z.string().trim().min(1).max(255).optional(),
});

export const csvUploadParameters = [
  {
    name: 'header',
    in: 'query',
    schema: { type: 'boolean' },
    description: 'Whether line 1 is a header; detected if left out',
  },
  {
    name: 'delimiter',
    in: 'query',
    schema: { type: 'string', enum: Object.keys(DELIMITERS) },
    description: 'Detected if left out',
  },
  {
    name: 'encoding',
    in: 'query',
    schema: { type: 'string', enum: ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'cp437', 'cp850'] },
    description:
      'Detected if left out: byte-order mark, else UTF-8 if valid, else Windows-1252 or DOS CP437 by the letters inside words',
  },
  {
    name: 'maxErrors',
    in: 'query',
    schema: { type: 'integer', default: 0 },
    description:
      'More rejected rows fail the upload. Each is listed in errors.csv with its line, column, value and reason; ' +
      'a row with broken quoting (a stray quote) is one rejected row, and reading goes on at the next line',
  },
  {
    name: 'validateOnly',
    in: 'query',
    schema: { type: 'boolean', default: false },
    description: 'Stop in awaiting_commit',
  },
  { name: 'fileName', in: 'query', schema: { type: 'string' }, description: 'Name shown in listings' },
  { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 } },
];

const ACCEPTED = ['text/csv', 'text/plain', 'application/csv', 'application/vnd.ms-excel', 'application/octet-stream'];

function fileNameOf(req: Request, given?: string): string | null {
  if (given) return given;
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(req.header('content-disposition') ?? '');
  return m?.[1] ? decodeURIComponent(m[1]).slice(0, 255) : null;
}

/**
 * Validates the query (these parameters and the route's own, `ownQuery`, and no other), streams the body into
 * the file store, and returns the job params that read it.
 */
export async function receiveCsvUpload(
  req: Request,
  deps: ApiDeps,
  accountId: string,
  purpose: string,
  o: { extraTypes?: string[]; ownQuery?: z.ZodObject } = {},
): Promise<CsvReadParams> {
  const q = parseQuery(csvUploadQuery, req, Object.keys(o.ownQuery?.shape ?? {}));
  const extraTypes = o.extraTypes ?? [];
  const accepted = [...ACCEPTED, ...extraTypes];
  const limits = uploadLimits(deps, accountId, purpose);
  if (req.is('multipart/form-data')) {
    const { stored, fileName } = await storeMultipartUpload(req, deps.files, limits);
    return paramsOf(q, stored.key, q.fileName ?? fileName);
  }
  if (req.is(accepted) === false) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `Send the file as the body with Content-Type text/csv (got ${req.headers['content-type']}).`,
    );
  }
  if (req.is(accepted) === null) throw new HttpError(400, 'empty_upload', 'The request has no file in its body.');
  const stored = await storeUpload(req, deps.files, limits);
  return paramsOf(q, stored.key, fileNameOf(req, q.fileName));
}

function paramsOf(q: z.infer<typeof csvUploadQuery>, inputFile: string, fileName: string | null): CsvReadParams {
  const encoding =
    q.encoding === 'utf8' ? 'utf-8' : q.encoding === 'cp1252' || q.encoding === 'latin1' ? 'windows-1252' : q.encoding;
  return {
    inputFile,
    fileName,
    ...(encoding ? { encoding } : {}),
    ...(q.delimiter ? { delimiter: DELIMITERS[q.delimiter] } : {}),
    ...(q.header === undefined ? {} : { header: q.header }),
    maxErrors: q.maxErrors,
    validateOnly: q.validateOnly,
  };
}

/** The OpenAPI part every CSV upload route shares: the query parameters, the two body forms, the answers. */
export function csvUploadDoc(summary: string, description: string) {
  const error = { $ref: '#/components/responses/Error' };
  return {
    summary,
    description,
    parameters: csvUploadParameters,
    requestBody: {
      content: {
        'text/csv': { schema: { type: 'string', format: 'binary' } },
        'multipart/form-data': {
          schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } },
        },
      },
    },
    responses: { 202: { $ref: '#/components/responses/Accepted' }, 400: error, 413: error, 415: error },
  };
}

/** The upload limits of this deployment, for one account and purpose. */
export const uploadLimits = (deps: ApiDeps, accountId: string, purpose: string): UploadLimits => ({
  accountId,
  maxBytes: deps.config.http.uploadMaxBytes,
  retentionHours: deps.config.http.uploadRetentionHours,
  purpose,
});
