export { UnrecoverableError } from 'bullmq';
export * from './chunked-commit';
export * from './connection';
export * from './job-context';
export * from './job-runs';
export * from './phase-timer';
export * from './queues';
export * from './reconciler';
export * from './worker';
