/**
 * The one registry of job kinds. Each kind has its own BullMQ queue.
 *
 * WARNING: a queue name is stored in Redis with every job. Renaming one strands the jobs already queued under the
 * old name; add a new kind and drain the old queue instead.
 */
export const JOB_KINDS = {
  /** Pipeline self-test: streams an optional uploaded file, ticks N steps, writes a report. */
  diagnostic: { queue: 'diagnostic' },
  /** Upload of a purchase history (customer ref, product code pairs); replaces the published one atomically. */
  'purchase-history': { queue: 'purchase-history' },
  /** Product catalogue import: upsert by product code, every further column kept as product data. */
  'product-import': { queue: 'product-import' },
  /** CSV export (product data, optionally for one customer's purchase history) into an expiring file. */
  export: { queue: 'export' },
  /** Customer profile import (CSV or XLSX): upsert, create, update or delete by customer number. */
  'customer-import': { queue: 'customer-import' },
  /** Bulk label edit over a selection of customers too large to do within the request. */
  'customer-labels': { queue: 'customer-labels' },
} as const satisfies Record<string, { queue: string }>;

export type JobKind = keyof typeof JOB_KINDS;
export const jobKinds = Object.keys(JOB_KINDS) as JobKind[];
export const queueNameOf = (kind: JobKind): string => JOB_KINDS[kind].queue;

export const JOB_STATES = ['queued', 'running', 'awaiting_commit', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Parameters of each kind, stored in Postgres (`job_runs.params`); never in Redis. */
export interface JobParams {
  diagnostic: {
    /** Number of steps to tick through. */
    steps: number;
    /** Pause per step, to make progress observable. */
    stepMs: number;
    /** Simulate a transient fault on the first N attempts (checks retry behaviour end to end). */
    failAttempts: number;
    /** Stored upload to stream through, if any. */
    inputFile?: string;
  };
  'purchase-history': CsvReadParams;
  'product-import': CsvReadParams;
  'customer-import': CustomerImportParams;
  'customer-labels':
    | {
        /** Customer numbers, or a list filter (group, label, catalogue, search, updatedSince as ISO text). */
        selection: { customerRefs: string[] } | { filter: Record<string, string | boolean> };
        add: string[];
        remove: string[];
      }
    | {
        /** A label renamed or deleted on every customer carrying it. */
        label: string;
        /** Its new name; null deletes it. */
        renameTo: string | null;
      };
  export:
    | {
        what: 'products';
        /** Only the products in this customer's current purchase history. */
        customerRef?: string;
        /** Prefix a UTF-8 byte-order mark, for Excel. */
        bom: boolean;
      }
    | {
        what: 'customers';
        format: 'csv' | 'xlsx';
        /** A customer list filter (group, label, catalogue, search, updatedSince as ISO text, deleted). */
        filter: Record<string, string | boolean>;
        bom: boolean;
      };
}

/** How an uploaded CSV is read; anything left out is detected. */
export interface CsvReadParams {
  /** Stored upload to read. */
  inputFile: string;
  /** The client's file name, for listings only (never used as a path). */
  fileName: string | null;
  encoding?: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'cp437' | 'cp850';
  delimiter?: ',' | ';' | '\t' | '|';
  header?: boolean;
  /** More rejected rows than this fails the job, changing nothing. */
  maxErrors: number;
  /** Stop in `awaiting_commit` after validation; `POST /v1/jobs/:id/commit` applies it. */
  validateOnly: boolean;
}

export type ImportMode = 'upsert' | 'create' | 'update' | 'delete';

/** A customer import: how the file is read (CSV or the first or named XLSX sheet) and what it does. */
export interface CustomerImportParams extends CsvReadParams {
  format: 'csv' | 'xlsx';
  /** XLSX only: the sheet to read (default the first). */
  sheet?: string;
  /** upsert (default), create (existing numbers reported, left alone), update (unknown reported), delete. */
  mode: ImportMode;
  /** A blank cell keeps the stored value (ignore, default) or clears it (clear). */
  blank: 'ignore' | 'clear';
  /** Separator of multi-value cells (labels, delivery days, phones). */
  separator: string;
  /** The column that holds the customer number, when it is not called customer_number or an alias. */
  keyColumn?: string;
}

/** What goes into Redis for every kind: ids only. Workers re-read the rest from Postgres. */
export interface JobData {
  jobRunId: string;
  accountId: string;
}

/** Counts a job reports; keys are the job's own (e.g. `created`, `rejected`). */
export type JobCounts = Record<string, number>;

/** A downloadable output of a job, served at `GET /v1/jobs/:id/files/:name`. */
export interface JobFile {
  name: string;
  key: string;
  contentType: string;
  bytes: number;
  expiresAt: string | null;
}
