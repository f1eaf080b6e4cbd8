import { JOB_STATES, jobKinds } from '@customer-hub/contracts';
import { type JobRun, JobRunEntity, scoped, sqlRows, withTransaction } from '@customer-hub/db';
import { FileNotFoundError } from '@customer-hub/files';
import { cancelJob, listJobRuns, UnrecoverableError } from '@customer-hub/queue';
import type { Request } from 'express';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate';
import type { ApiDeps } from '../deps';
import { ref } from '../http/doc';
import { HttpError, notFound } from '../http/errors';
import { defineRoutes } from '../http/route';
import { idParam, parseQuery } from '../http/validate';
import { TWO_PHASE } from '../two-phase';
import { presentJob } from './job.presenter';

const jobIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

/** Loads a job of the caller's account; customers see only jobs they submitted. Anything else is 404. */
export async function loadJob(req: Request, deps: ApiDeps): Promise<JobRun> {
  const p = principalOf(req);
  const id = idParam(req, 'id', 'job');
  const run = await scoped(deps.ds.manager, p.accountId)
    .repo(JobRunEntity)
    .findOneBy(p.role === 'customer' ? { id, submittedBy: p.userId } : { id });
  if (!run) throw notFound('job');
  return run;
}

const listQuery = z.object({
  kind: z.enum(jobKinds as [string, ...string[]]).optional(),
  state: z.enum(JOB_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const jobRoutes = defineRoutes([
  {
    method: 'get',
    path: '/jobs',
    permission: 'jobs:read',
    doc: {
      summary: 'List jobs, newest first',
      parameters: [
        { name: 'kind', in: 'query', schema: { type: 'string', enum: jobKinds } },
        { name: 'state', in: 'query', schema: { type: 'string', enum: JOB_STATES } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
      ],
      responses: { 200: ref('responses/JobList'), 400: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      const p = principalOf(req);
      const q = parseQuery(listQuery, req);
      const page = await listJobRuns(deps.ds, p.accountId, {
        kind: q.kind as never,
        state: q.state,
        limit: q.limit,
        cursor: q.cursor,
        submittedBy: p.role === 'customer' ? p.userId : undefined,
      });
      res.json({ items: page.items.map(presentJob), nextCursor: page.nextCursor });
    },
  },
  {
    method: 'get',
    path: '/jobs/:id',
    permission: 'jobs:read',
    doc: {
      summary: 'A job: state, progress, counts, error, files',
      parameters: [jobIdParam],
      responses: { 200: ref('responses/Job'), 404: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      res.json(presentJob(await loadJob(req, deps)));
    },
  },
  {
    method: 'post',
    path: '/jobs/:id/cancel',
    permission: 'jobs:cancel',
    doc: {
      summary: 'Cancel a job',
      description:
        'A queued job is cancelled at once (200). A running job stops at its next checkpoint and changes ' +
        'nothing visible (202; poll the job). A finished job cannot be cancelled (409).',
      parameters: [jobIdParam],
      responses: {
        200: ref('responses/Job'),
        202: ref('responses/Job'),
        404: ref('responses/Error'),
        409: ref('responses/Error'),
      },
    },
    async handler(req, res, deps) {
      const run = await loadJob(req, deps);
      const outcome = await cancelJob(deps, run);
      if (outcome === 'already_finished') throw new HttpError(409, 'job_finished', `Job is already ${run.state}.`);
      if (outcome === 'cancelled')
        await TWO_PHASE[run.kind]?.tidy(deps.ds, run, deps.config.purchaseHistory.keepVersions);
      const fresh = await loadJob(req, deps);
      res.status(outcome === 'cancelled' ? 200 : 202).json(presentJob(fresh));
    },
  },
  {
    method: 'post',
    path: '/jobs/:id/commit',
    permission: 'jobs:commit',
    doc: {
      summary: 'Apply a job that stopped in awaiting_commit (validateOnly), without sending the file again',
      parameters: [jobIdParam],
      responses: { 200: ref('responses/Job'), 404: ref('responses/Error'), 409: ref('responses/Error') },
    },
    async handler(req, res, deps) {
      const run = await loadJob(req, deps);
      const phase = TWO_PHASE[run.kind];
      if (!phase) throw new HttpError(409, 'not_committable', `A ${run.kind} job has nothing to commit.`);
      let refused: Error | null = null;
      await withTransaction(deps.ds, async (m) => {
        const [row] = await sqlRows<{ state: string }>(
          m,
          'SELECT state FROM job_runs WHERE id = $1 AND account_id = $2 FOR UPDATE',
          [run.id, run.accountId],
        );
        if (row?.state !== 'awaiting_commit') {
          throw new HttpError(409, 'not_awaiting_commit', `Job is ${row?.state ?? 'gone'}, not awaiting_commit.`);
        }
        await m.query('SAVEPOINT commit_job');
        try {
          await phase.commit(m, run, principalOf(req).userId);
        } catch (err) {
          if (!(err instanceof UnrecoverableError)) throw err;
          // The validated upload can never be applied (e.g. another was published since): the job fails, saying why.
          await m.query('ROLLBACK TO SAVEPOINT commit_job');
          refused = err;
          await m.query(`UPDATE job_runs SET state = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [
            run.id,
            JSON.stringify({ code: 'commit_refused', message: err.message }),
          ]);
          return;
        }
        await m.query(`UPDATE job_runs SET state = 'succeeded', finished_at = now() WHERE id = $1`, [run.id]);
      });
      await phase.tidy(deps.ds, run, deps.config.purchaseHistory.keepVersions).catch(() => {});
      if (refused) throw new HttpError(409, 'commit_refused', (refused as Error).message);
      res.json(presentJob(await loadJob(req, deps)));
    },
  },
  {
    method: 'get',
    path: '/jobs/:id/files/:name',
    permission: 'jobs:files',
    doc: {
      summary: "Download one of a job's files (export, error report), streamed",
      parameters: [jobIdParam, { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: { description: 'The file', content: { 'text/csv': {}, 'application/octet-stream': {} } },
        404: ref('responses/Error'),
        410: ref('responses/Error'),
      },
    },
    async handler(req, res, deps) {
      const run = await loadJob(req, deps);
      const file = run.files.find((f) => f.name === req.params.name);
      if (!file) throw notFound('file');
      if (file.expiresAt && Date.parse(file.expiresAt) <= Date.now()) {
        throw new HttpError(410, 'file_expired', `This file expired at ${file.expiresAt}; run the job again.`);
      }
      const stream = await deps.files.read(file.key).catch((err) => {
        throw err instanceof FileNotFoundError
          ? new HttpError(410, 'file_gone', 'This file is no longer stored.')
          : err;
      });
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Length', String(file.bytes));
      res.setHeader('Content-Disposition', `attachment; filename="${file.name.replace(/[^\w.-]/g, '_')}"`);
      res.setHeader('Cache-Control', 'private, no-store');
      stream.on('error', (err) => res.destroy(err));
      stream.pipe(res);
    },
  },
]);
