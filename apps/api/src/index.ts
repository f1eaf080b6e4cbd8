export { createApp } from './app';
export type { ApiDeps } from './deps';
export { buildOpenApi } from './openapi';
export { v1Routes } from './routes';
export { type RunningApi, startApi } from './server';
