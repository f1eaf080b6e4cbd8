import { JOB_STATES, jobKinds } from '@customer-hub/contracts';
import { type JobRun, JobRunEntity, scoped, sqlRows } from '@customer-hub/db';
import { FileNotFoundError } from '@customer-hub/files';
import { cancelJob, listJobRuns, QueueUnavailableError, requeueRun } from '@customer-hub/queue';
import type { Request } from 'express';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate';
import type { ApiDeps } from '../deps';
import { queryParameters, ref } from '../http/doc';
import { HttpError, notFound } from '../http/errors';
import { pageQuery } from '../http/page';
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

const listQuery = pageQuery(200, 50).extend({
  kind: z.enum(jobKinds as [string, ...string[]]).optional(),
  state: z.enum(JOB_STATES).optional(),
  // A job's cursor is its time and id.
  cursor: z.string().max(500).optional().meta({ description: 'nextCursor of the page before' }),
});

export const jobRoutes = defineRoutes([
  {
    method: 'get',
    path: '/jobs',
    permission: 'jobs:read',
    doc: {
      summary: 'List jobs, newest first',
      parameters: queryParameters(listQuery),
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
        'nothing visible (202; poll the job). A finished job cannot be cancelled (409), nor one that has ' +
        'started applying its changes in chunks (409 job_committing; a customer import past its checks).',
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
      if (outcome === 'committing') {
        throw new HttpError(
          409,
          'job_committing',
          'The job is applying its changes in chunks and part of them are stored; it will finish and cannot be cancelled now.',
        );
      }
      if (outcome === 'cancelled') await TWO_PHASE[run.kind]?.tidy(deps, run);
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
      description:
        'The job goes back to the queue and the worker applies it: poll the job until it is succeeded, or failed ' +
        'with error code commit_refused and the reason (e.g. another purchase history was published since, or a ' +
        'customer group or catalogue the file names was deleted since the check).',
      parameters: [jobIdParam],
      responses: {
        202: ref('responses/Job'),
        404: ref('responses/Error'),
        409: ref('responses/Error'),
        503: ref('responses/Error'),
      },
    },
    async handler(req, res, deps) {
      const run = await loadJob(req, deps);
      if (!TWO_PHASE[run.kind]) throw new HttpError(409, 'not_committable', `A ${run.kind} job has nothing to commit.`);
      const asked = await sqlRows<{ id: string }>(
        deps.ds,
        `UPDATE job_runs SET state = 'queued', commit_requested_at = now(), commit_requested_by = $3
         WHERE id = $1 AND account_id = $2 AND state = 'awaiting_commit' RETURNING id`,
        [run.id, run.accountId, principalOf(req).userId],
      );
      if (asked.length === 0) {
        const now = await loadJob(req, deps);
        throw new HttpError(409, 'not_awaiting_commit', `Job is ${now.state}, not awaiting_commit.`);
      }
      try {
        // While the validation's own BullMQ job is still finishing, nothing is added: the reconciler adds it.
        await requeueRun(deps, { jobRunId: run.id, accountId: run.accountId }, run.kind);
      } catch (err) {
        await deps.ds.query(
          `UPDATE job_runs SET state = 'awaiting_commit', commit_requested_at = NULL, commit_requested_by = NULL
           WHERE id = $1 AND state = 'queued'`,
          [run.id],
        );
        throw err instanceof QueueUnavailableError
          ? err
          : new QueueUnavailableError(`queue unavailable: ${String(err)}`);
      }
      res
        .status(202)
        .location(`/v1/jobs/${run.id}`)
        .json(presentJob(await loadJob(req, deps)));
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
