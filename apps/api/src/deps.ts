import type { Principal } from '@customer-hub/accounts';
import type { Config } from '@customer-hub/config';
import type { DataSource } from '@customer-hub/db';
import type { FileStore } from '@customer-hub/files';
import type { Logger } from '@customer-hub/logging';
import type { QueueRegistry } from '@customer-hub/queue';
import type IORedis from 'ioredis';

/** Everything the API needs, built once by the process that runs it (or by a test). */
export interface ApiDeps {
  config: Config;
  ds: DataSource;
  queues: QueueRegistry;
  files: FileStore;
  logger: Logger;
  /** A plain (non-blocking) client for readiness checks. */
  redis: IORedis;
}

declare global {
  namespace Express {
    interface Request {
      principal?: Principal;
    }
  }
}
