import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Registry } from 'prom-client';
import { bullBoardRouter } from './admin/bull-board';
import { signInRouter } from './admin/sign-in';
import { authenticate, authorize, principalOf } from './auth/authenticate';
import type { ApiDeps } from './deps';
import { errorHandler, notFoundHandler } from './http/errors';
import { mountRoutes } from './http/route';
import { buildOpenApi } from './openapi';
import { healthRouter } from './ops/health.routes';
import { createHttpMetrics, jobMetricsText } from './ops/metrics';
import { v1Routes } from './routes';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The Express app: thin routes over the job platform; no file is parsed and no row looped over here.
 * `processMetrics` (the server passes `processMetrics()`) adds the process's CPU, memory and event-loop metrics.
 */
export function createApp(deps: ApiDeps, options: { processMetrics?: Registry } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.http.trustProxy);
  app.set('query parser', 'simple');
  const metrics = createHttpMetrics(options.processMetrics);

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(metrics.middleware);
  app.use(healthRouter(deps));
  app.use('/admin', signInRouter(deps));
  app.use('/admin/queues', bullBoardRouter(deps));

  app.use(helmet());
  app.use(express.json({ limit: deps.config.http.jsonBodyLimitBytes }));

  const openapi = buildOpenApi(v1Routes, deps.config.http.publicBaseUrl);
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get('/metrics', authenticate(deps.ds), authorize('metrics:read'), async (req, res) => {
    const text = (await metrics.registry.metrics()) + (await jobMetricsText(deps, principalOf(req).accountId));
    res.type(metrics.registry.contentType).send(text);
  });
  app.use('/v1', mountRoutes(deps.ds, deps, v1Routes));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
