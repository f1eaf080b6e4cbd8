import type { JobRun } from '@customer-hub/db';

/** The public shape of a job (DESIGN.md): state from Postgres, file links to the download route. */
export function presentJob(run: JobRun) {
  return {
    id: run.id,
    kind: run.kind,
    state: run.state,
    progress: {
      phase: run.commitRequestedAt === null ? 'processing' : 'committing',
      processed: run.progressProcessed,
      total: run.progressTotal,
    },
    request: requestOf(run),
    counts: run.counts,
    submittedBy: run.submittedBy,
    attempts: run.attempts,
    cancelRequested: run.cancelRequestedAt !== null,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    ...(run.error ? { error: run.error } : {}),
    files: run.files.map((f) => ({
      name: f.name,
      contentType: f.contentType,
      bytes: f.bytes,
      expiresAt: f.expiresAt,
      url: `/v1/jobs/${run.id}/files/${encodeURIComponent(f.name)}`,
    })),
  };
}

/**
 * What the job was asked to do, as its parameters say (file name, mode, options, filter…), for whoever watches
 * it: without the stored upload's key, and a label edit's customer numbers (up to 100,000) as how many there are.
 */
function requestOf(run: JobRun): Record<string, unknown> {
  const { inputFile: _, ...request } = run.params;
  const selection = request.selection as { customerRefs?: unknown[] } | undefined;
  if (Array.isArray(selection?.customerRefs)) request.selection = { customerRefCount: selection.customerRefs.length };
  return request;
}
