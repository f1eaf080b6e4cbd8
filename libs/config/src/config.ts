import path from 'node:path';
import { JOB_KINDS, type JobKind } from '@customer-hub/contracts';
import { z } from 'zod';

/** Raised when the environment is invalid; the message names every bad variable and why. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
const url = (def: string, protocols: string[]) =>
  z
    .string()
    .default(def)
    .refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), {
      message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(3000, 0).refine((p) => p <= 65535, { message: 'must be a port number (0-65535)' }),
  PUBLIC_BASE_URL: url('http://localhost:3000', ['http:', 'https:']),
  DATABASE_URL: url('postgres://postgres@127.0.0.1:5432/customer_hub', ['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: int(10, 1),
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]+$/, { message: 'may hold letters, digits and _ : . - only' })
    .default('hub'),
  FILE_STORE_DIR: z.string().min(1).default('./var/files'),
  SMTP_URL: url('smtp://127.0.0.1:1025', ['smtp:', 'smtps:']),
  MAIL_FROM: z.string().min(3).default('Customer Hub <no-reply@customer-hub.local>'),
  UPLOAD_MAX_BYTES: int(2 * 1024 ** 3, 1),
  UPLOAD_RETENTION_HOURS: int(7 * 24, 1),
  JSON_BODY_LIMIT_BYTES: int(100 * 1024, 1),
  SHUTDOWN_DEADLINE_MS: int(30_000, 0),
  QUEUE_CONCURRENCY: int(2, 1),
  JOB_ATTEMPTS: int(5, 1),
  JOB_BACKOFF_MS: int(5_000, 0),
  JOB_LOCK_MS: int(30_000, 1_000),
  JOB_STALLED_CHECK_MS: int(30_000, 500),
  JOB_KEEP_COMPLETED_SECONDS: int(24 * 3600, 0),
  JOB_KEEP_COMPLETED_COUNT: int(1_000, 0),
  JOB_KEEP_FAILED_SECONDS: int(7 * 24 * 3600, 0),
  JOB_KEEP_FAILED_COUNT: int(5_000, 0),
  JOB_PROGRESS_INTERVAL_MS: int(1_000, 0),
  RECONCILE_INTERVAL_MS: int(60_000, 1_000),
  RECONCILE_GRACE_MS: int(30_000, 0),
  REDIS_COMMAND_TIMEOUT_MS: int(2_000, 100),
  SESSION_TTL_SECONDS: int(8 * 3600, 60),
  TRUST_PROXY: bool(false),
  PURCHASE_HISTORY_KEEP_VERSIONS: int(3, 1),
  PURCHASE_HISTORY_CHUNK_ROWS: int(2_000_000, 1000),
  EXPORT_TTL_HOURS: int(72, 1),
  EXPORT_PARTS: int(2, 1),
  LABEL_EDIT_SYNC_LIMIT: int(1_000, 0),
  CUSTOMER_IMPORT_CHUNK_ROWS: int(50_000, 100),
  CUSTOMER_IMPORT_APPLY_LANES: int(2, 1),
});

type Raw = z.infer<typeof schema>;

/** Every variable the config reads (besides the per-queue `QUEUE_CONCURRENCY_<KIND>`). */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

export interface Config {
  readonly env: Raw['NODE_ENV'];
  readonly logLevel: Raw['LOG_LEVEL'];
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly publicBaseUrl: string;
    readonly jsonBodyLimitBytes: number;
    readonly uploadMaxBytes: number;
    readonly uploadRetentionHours: number;
    readonly trustProxy: boolean;
    readonly sessionTtlSeconds: number;
  };
  readonly database: { readonly url: string; readonly poolSize: number };
  readonly redis: { readonly url: string; readonly prefix: string; readonly commandTimeoutMs: number };
  readonly files: { readonly dir: string };
  readonly mail: { readonly smtpUrl: string; readonly from: string };
  readonly jobs: {
    readonly concurrency: Readonly<Record<JobKind, number>>;
    readonly attempts: number;
    readonly backoffMs: number;
    readonly lockMs: number;
    readonly stalledCheckMs: number;
    readonly keepCompleted: { readonly age: number; readonly count: number };
    readonly keepFailed: { readonly age: number; readonly count: number };
    readonly progressIntervalMs: number;
    readonly reconcileIntervalMs: number;
    readonly reconcileGraceMs: number;
  };
  readonly purchaseHistory: { readonly keepVersions: number; readonly chunkRows: number };
  readonly exports: { readonly ttlHours: number; readonly parts: number };
  readonly customers: {
    readonly labelEditSyncLimit: number;
    readonly importChunkRows: number;
    readonly importApplyLanes: number;
  };
  readonly shutdownDeadlineMs: number;
}

/** Env variable that overrides one queue's concurrency, e.g. `QUEUE_CONCURRENCY_DIAGNOSTIC`. */
export const concurrencyVariable = (kind: JobKind) =>
  `QUEUE_CONCURRENCY_${kind.replace(/[^a-z0-9]+/gi, '_').toUpperCase()}`;

function concurrencyByKind(env: NodeJS.ProcessEnv, fallback: number, problems: string[]) {
  const out = {} as Record<JobKind, number>;
  for (const kind of Object.keys(JOB_KINDS) as JobKind[]) {
    const name = concurrencyVariable(kind);
    const raw = env[name];
    if (raw === undefined || raw === '') {
      out[kind] = fallback;
      continue;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) problems.push(`${name}=${JSON.stringify(raw)}: must be a whole number >= 1`);
    out[kind] = n;
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Reads and validates the environment. Unset or empty variables take defaults that work on a machine with
 * local Postgres and Redis. Throws {@link ConfigError} naming each bad variable, its value and the rule it breaks.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.keys(schema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = schema.safeParse(present);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]);
      problems.push(`${key}=${JSON.stringify(env[key])}: ${issue.message}`);
    }
  }
  const fallback = parsed.success ? parsed.data.QUEUE_CONCURRENCY : 1;
  const concurrency = concurrencyByKind(env, fallback, problems);
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  const c = parsed.data;
  return deepFreeze({
    env: c.NODE_ENV,
    logLevel: c.LOG_LEVEL,
    http: {
      host: c.HOST,
      port: c.PORT,
      publicBaseUrl: c.PUBLIC_BASE_URL.replace(/\/+$/, ''),
      jsonBodyLimitBytes: c.JSON_BODY_LIMIT_BYTES,
      uploadMaxBytes: c.UPLOAD_MAX_BYTES,
      uploadRetentionHours: c.UPLOAD_RETENTION_HOURS,
      trustProxy: c.TRUST_PROXY,
      sessionTtlSeconds: c.SESSION_TTL_SECONDS,
    },
    database: { url: c.DATABASE_URL, poolSize: c.DATABASE_POOL_SIZE },
    redis: { url: c.REDIS_URL, prefix: c.QUEUE_PREFIX, commandTimeoutMs: c.REDIS_COMMAND_TIMEOUT_MS },
    files: { dir: path.resolve(c.FILE_STORE_DIR) },
    mail: { smtpUrl: c.SMTP_URL, from: c.MAIL_FROM },
    jobs: {
      concurrency,
      attempts: c.JOB_ATTEMPTS,
      backoffMs: c.JOB_BACKOFF_MS,
      lockMs: c.JOB_LOCK_MS,
      stalledCheckMs: c.JOB_STALLED_CHECK_MS,
      keepCompleted: { age: c.JOB_KEEP_COMPLETED_SECONDS, count: c.JOB_KEEP_COMPLETED_COUNT },
      keepFailed: { age: c.JOB_KEEP_FAILED_SECONDS, count: c.JOB_KEEP_FAILED_COUNT },
      progressIntervalMs: c.JOB_PROGRESS_INTERVAL_MS,
      reconcileIntervalMs: c.RECONCILE_INTERVAL_MS,
      reconcileGraceMs: c.RECONCILE_GRACE_MS,
    },
    purchaseHistory: { keepVersions: c.PURCHASE_HISTORY_KEEP_VERSIONS, chunkRows: c.PURCHASE_HISTORY_CHUNK_ROWS },
    exports: { ttlHours: c.EXPORT_TTL_HOURS, parts: c.EXPORT_PARTS },
    customers: {
      labelEditSyncLimit: c.LABEL_EDIT_SYNC_LIMIT,
      importChunkRows: c.CUSTOMER_IMPORT_CHUNK_ROWS,
      importApplyLanes: c.CUSTOMER_IMPORT_APPLY_LANES,
    },
    shutdownDeadlineMs: c.SHUTDOWN_DEADLINE_MS,
  });
}
