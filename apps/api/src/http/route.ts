import type { DataSource } from '@customer-hub/db';
import { type Request, type Response, Router } from 'express';
import { authenticate, authorize } from '../auth/authenticate';
import type { Permission } from '../auth/permissions';
import type { ApiDeps } from '../deps';

/** OpenAPI fragments a route carries beside its handler, so the document is made from the routes themselves. */
export interface RouteDoc {
  summary: string;
  description?: string;
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

/** A /v1 route. `permission` is required: there is no way to add an unguarded /v1 route. */
export interface RouteDef {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Express path below /v1, e.g. `/jobs/:id`. */
  path: string;
  permission: Permission;
  doc: RouteDoc;
  handler: (req: Request, res: Response, deps: ApiDeps) => Promise<void>;
}

export const defineRoutes = (routes: RouteDef[]) => routes;

/** Mounts route definitions: authenticate → authorize(permission) → handler. */
export function mountRoutes(ds: DataSource, deps: ApiDeps, routes: RouteDef[]): Router {
  const router = Router();
  const authn = authenticate(ds);
  for (const r of routes) {
    router[r.method](r.path, authn, authorize(r.permission), (req, res) => r.handler(req, res, deps));
  }
  return router;
}

/** `/jobs/:id` → `/jobs/{id}` for the OpenAPI document. */
export const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');
