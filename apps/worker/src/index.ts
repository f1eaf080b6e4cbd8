export { processors } from './processors';
export { startWorkers, type WorkerRuntime } from './worker-runtime';
