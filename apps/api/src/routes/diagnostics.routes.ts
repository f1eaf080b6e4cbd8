import { DIAGNOSTIC_LIMITS } from '@customer-hub/diagnostics';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate';
import { acceptJob } from '../http/accept-job';
import { uploadLimits } from '../http/csv-upload';
import { inputSchema, queryParameters } from '../http/doc';
import { defineRoutes } from '../http/route';
import { storeUpload } from '../http/upload';
import { idempotencyKeyOf, parseBody, parseQuery } from '../http/validate';

const params = z.object({
  steps: z.coerce.number().int().min(0).max(DIAGNOSTIC_LIMITS.maxSteps).default(10),
  stepMs: z.coerce.number().int().min(0).max(DIAGNOSTIC_LIMITS.maxStepMs).default(0),
  failAttempts: z.coerce.number().int().min(0).max(DIAGNOSTIC_LIMITS.maxFailAttempts).default(0),
});

export const diagnosticRoutes = defineRoutes([
  {
    method: 'post',
    path: '/diagnostics',
    permission: 'diagnostics:run',
    doc: {
      summary: 'Run a pipeline self-test job',
      description:
        'Checks upload → file store → queue → worker → Postgres → report end to end. Send JSON parameters, ' +
        'or a file of any type as the body (parameters then go in the query string): the worker streams it and ' +
        'reports its bytes and lines in report.csv. `failAttempts` makes the first N attempts fail, to see ' +
        'retries work. Answers 202 with the job id; an Idempotency-Key returns the same job.',
      parameters: [
        { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 } },
        ...queryParameters(params),
      ],
      requestBody: {
        content: {
          'application/json': { schema: inputSchema(params.strict()) },
          'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
          'text/csv': { schema: { type: 'string', format: 'binary' } },
        },
      },
      responses: {
        202: { $ref: '#/components/responses/Accepted' },
        400: { $ref: '#/components/responses/Error' },
        413: { $ref: '#/components/responses/Error' },
        503: { $ref: '#/components/responses/Error' },
      },
    },
    async handler(req, res, deps) {
      const p = principalOf(req);
      idempotencyKeyOf(req); // refuse a bad key before taking an upload
      // A body that is not JSON is the file to stream through (req.is gives null when there is no body).
      const hasFile = req.is('application/json') === false;
      // Parameters come in the query with a file, in the JSON body without one: each way, nothing else is taken.
      if (!hasFile) parseQuery(z.object({}), req);
      const input = hasFile ? parseQuery(params, req) : parseBody(params.strict(), req);
      const upload = hasFile ? await storeUpload(req, deps.files, uploadLimits(deps, p.accountId, 'diagnostic')) : null;
      await acceptJob(
        req,
        res,
        deps,
        'diagnostic',
        { ...input, ...(upload ? { inputFile: upload.key } : {}) },
        upload?.key,
      );
    },
  },
]);
