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
