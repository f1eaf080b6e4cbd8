import { withTimeout } from '@customer-hub/queue';
import { Router } from 'express';
import type { ApiDeps } from '../deps';

/** Probes for load balancers and orchestrators; they reveal nothing but up/down, so need no token. */
export function healthRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const ms = deps.config.redis.commandTimeoutMs;
    const [pg, redis] = await Promise.allSettled([
      withTimeout(deps.ds.query('SELECT 1'), ms, 'postgres check'),
      withTimeout(deps.redis.ping(), ms, 'redis check'),
    ]);
    const checks = {
      postgres: pg.status === 'fulfilled' ? 'ok' : 'unreachable',
      redis: redis.status === 'fulfilled' ? 'ok' : 'unreachable',
    };
    const ready = checks.postgres === 'ok' && checks.redis === 'ok';
    if (ready) res.json({ status: 'ready', checks });
    else {
      res.status(503).json({
        error: { code: 'not_ready', message: 'A dependency is unreachable.', details: checks },
      });
    }
  });
  return router;
}
