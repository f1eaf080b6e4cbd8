import { jobKinds } from '@customer-hub/contracts';
import { sqlRows } from '@customer-hub/db';
import { withTimeout } from '@customer-hub/queue';
import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { ApiDeps } from '../deps';

const DURATION_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600];

let processRegistry: Registry | undefined;

/**
 * The process's own metrics (CPU, memory, handles, event-loop lag, GC), made once per process by the server.
 * prom-client keeps an event-loop-delay histogram and a GC observer running for them until the process ends, so
 * an app made per test file must not make its own: each would keep that file's whole module graph alive.
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'hub_api_' });
  }
  return processRegistry;
}

/** HTTP metrics of one app, in its own registry (several apps may live in one test process), after the process's. */
export function createHttpMetrics(processWide?: Registry) {
  const own = new Registry();
  const requests = new Counter({
    name: 'hub_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [own],
  });
  const duration = new Histogram({
    name: 'hub_http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10],
    registers: [own],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, never the raw URL: ids would explode the label set.
      const route = req.route?.path
        ? `${req.baseUrl}${String(req.route.path)}`
        : req.baseUrl.startsWith('/admin/queues')
          ? '/admin/queues'
          : 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
    });
    next();
  };
  return { registry: processWide ? Registry.merge([processWide, own]) : own, middleware };
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * Job metrics read at scrape time from Postgres (the source of truth, whichever process ran the jobs), for
 * the caller's account only; queue depth is per queue, shared by all accounts, and carries no tenant data.
 */
export async function jobMetricsText(deps: ApiDeps, accountId: string): Promise<string> {
  const out: string[] = [];
  const byState = await sqlRows<{ kind: string; state: string; n: number }>(
    deps.ds,
    'SELECT kind, state, count(*)::int AS n FROM job_runs WHERE account_id = $1 GROUP BY kind, state ORDER BY 1, 2',
    [accountId],
  );
  out.push('# HELP hub_jobs Jobs of this account by kind and state', '# TYPE hub_jobs gauge');
  for (const r of byState) out.push(`hub_jobs{kind="${esc(r.kind)}",state="${esc(r.state)}"} ${r.n}`);

  const cols = DURATION_BUCKETS.map((b, i) => `count(*) FILTER (WHERE d <= ${b})::int AS b${i}`).join(', ');
  const hist = await sqlRows<Record<string, number> & { kind: string; n: number; sum: number }>(
    deps.ds,
    `SELECT kind, count(*)::int AS n, coalesce(sum(d), 0)::float8 AS sum, ${cols}
     FROM (SELECT kind, extract(epoch FROM finished_at - started_at) AS d FROM job_runs
           WHERE account_id = $1 AND state = 'succeeded' AND started_at IS NOT NULL) t
     GROUP BY kind ORDER BY kind`,
    [accountId],
  );
  out.push(
    '# HELP hub_job_duration_seconds Run time of succeeded jobs of this account',
    '# TYPE hub_job_duration_seconds histogram',
  );
  for (const r of hist) {
    const k = esc(r.kind);
    for (const [i, b] of DURATION_BUCKETS.entries()) {
      out.push(`hub_job_duration_seconds_bucket{kind="${k}",le="${b}"} ${r[`b${i}`]}`);
    }
    out.push(`hub_job_duration_seconds_bucket{kind="${k}",le="+Inf"} ${r.n}`);
    out.push(
      `hub_job_duration_seconds_sum{kind="${k}"} ${r.sum}`,
      `hub_job_duration_seconds_count{kind="${k}"} ${r.n}`,
    );
  }

  out.push('# HELP hub_queue_jobs Jobs in each BullMQ queue by state (all accounts)', '# TYPE hub_queue_jobs gauge');
  for (const kind of jobKinds) {
    const counts = await withTimeout(
      deps.queues.get(kind).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'),
      deps.config.redis.commandTimeoutMs,
      'queue counts',
    ).catch(() => null);
    if (!counts) continue;
    for (const [state, n] of Object.entries(counts))
      out.push(`hub_queue_jobs{queue="${esc(kind)}",state="${state}"} ${n}`);
  }
  return `${out.join('\n')}\n`;
}
