import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { QueueRegistry } from '@customer-hub/queue';
import { type RequestHandler, Router } from 'express';
import helmet from 'helmet';
import { authenticate, principalOf } from '../auth/authenticate';
import { can } from '../auth/permissions';
import type { ApiDeps } from '../deps';
import { HttpError } from '../http/errors';

export const BOARD_PATH = '/admin/queues';

function board(queues: QueueRegistry, readOnlyMode: boolean): RequestHandler {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.all().map((q) => new BullMQAdapter(q, { readOnlyMode, allowRetries: !readOnlyMode })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Customer Hub queues' } },
  });
  return adapter.getRouter() as RequestHandler;
}

const isStatic = (path: string) => path.startsWith('/static/');

/**
 * The writes an admin may make: retry, clean, promote, pause and resume. Adding jobs or editing job data from
 * the dashboard is refused for everyone: job data comes only from the API's typed enqueue.
 */
const ADMIN_WRITES = [
  /^\/api\/queues\/[^/]+\/(retry|clean)\/[a-z]+$/,
  /^\/api\/queues\/[^/]+\/(promote|pause|resume)$/,
  /^\/api\/queues\/(pause|resume)$/,
  /^\/api\/queues\/[^/]+\/[^/]+\/(retry|clean|promote)$/,
];
const isRead = (method: string) => method === 'GET' || method === 'HEAD';
const readOnlyError = (message: string) => new HttpError(405, 'read_only', message);

/**
 * Bull Board behind the same auth as the API (bearer token or the sign-in session cookie). Ops get a read-only
 * board and 405 on every write; admins can retry and clean. Only static assets are served without a session.
 */
export function bullBoardRouter(deps: ApiDeps): Router {
  const full = board(deps.queues, false);
  const readOnly = board(deps.queues, true);
  const authn = authenticate(deps.ds, { allowSession: true });
  const router = Router();
  // Bull Board's UI needs inline bootstrapping; its pages get their own, looser CSP.
  router.use(
    helmet({
      contentSecurityPolicy: {
        directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
      },
    }),
  );
  router.use((req, res, next) => {
    if (isStatic(req.path)) return readOnly(req, res, next);
    return authn(req, res, (err?: unknown) => {
      if (err) {
        if (req.accepts(['json', 'html']) === 'html' && err instanceof HttpError && err.status === 401) {
          res
            .status(401)
            .type('html')
            .send('<!doctype html><title>Sign in</title><p>Please <a href="/admin/login">sign in</a>.</p>');
          return;
        }
        return next(err);
      }
      const p = principalOf(req);
      if (!can(p.role, 'queues:read'))
        return next(new HttpError(403, 'forbidden', `Role ${p.role} may not view the queues.`));
      if (isRead(req.method)) return (can(p.role, 'queues:write') ? full : readOnly)(req, res, next);
      res.setHeader('Allow', 'GET, HEAD');
      if (!can(p.role, 'queues:write')) return next(readOnlyError('The queue dashboard is read-only for your role.'));
      if (!ADMIN_WRITES.some((re) => re.test(req.path))) {
        return next(readOnlyError('Only retry, clean, promote, pause and resume are allowed from the dashboard.'));
      }
      return full(req, res, next);
    });
  });
  return router;
}
