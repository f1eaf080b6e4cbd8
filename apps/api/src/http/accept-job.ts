import type { JobKind, JobParams } from '@customer-hub/contracts';
import { submitJob } from '@customer-hub/queue';
import type { Request, Response } from 'express';
import { principalOf } from '../auth/authenticate';
import type { ApiDeps } from '../deps';
import { presentJob } from '../routes/job.presenter';
import { idempotencyKeyOf } from './validate';

/**
 * Records and enqueues a job for the caller and answers 202 { jobId }. An upload made for it is removed again if
 * the job is not created (queue down, or the Idempotency-Key names an earlier job).
 */
export async function acceptJob<K extends JobKind>(
  req: Request,
  res: Response,
  deps: ApiDeps,
  kind: K,
  params: JobParams[K],
  upload?: string,
): Promise<void> {
  const p = principalOf(req);
  const idempotencyKey = idempotencyKeyOf(req);
  const { run, created } = await submitJob(deps, {
    accountId: p.accountId,
    userId: p.userId,
    kind,
    params,
    idempotencyKey,
  }).catch(async (err) => {
    if (upload) await deps.files.delete(upload);
    throw err;
  });
  if (!created && upload) await deps.files.delete(upload);
  res
    .status(202)
    .location(`/v1/jobs/${run.id}`)
    .json({ jobId: run.id, job: presentJob(run) });
}
