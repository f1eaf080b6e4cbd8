import { copyIn } from '@customer-hub/db';
import type { PoolClient } from 'pg';
import { partitionOf } from './versions';

/**
 * Writes a version's rows, in file order, into chunk tables under the version's partition (itself partitioned
 * by chunk). When a chunk is full its COPY ends and a second connection indexes it while the next chunk loads,
 * so that most of the indexing overlaps the load instead of following it. Each chunk table carries CHECKs for
 * its version and chunk, so attaching it and, later, the version skips the validation scan.
 */
export class VersionWriter {
  private chunk = -1;
  private chunkStart = 0;
  private copy!: ReturnType<typeof copyIn>;
  private indexing: Promise<void> = Promise.resolve();
  private indexError: unknown = null;

  private constructor(
    private readonly client: PoolClient,
    private readonly indexer: PoolClient,
    private readonly versionId: string,
    private readonly copyOptions: string,
    private readonly chunkRows: number,
    /** The upload's size, when known: lets the last chunks be cut short. */
    private readonly fileBytes: number,
  ) {}

  /** Creates the version's (empty, detached) partition and opens its first chunk. */
  static async open(
    client: PoolClient,
    indexer: PoolClient,
    versionId: string,
    options: { delimiter: string; chunkRows: number; fileBytes?: number },
  ) {
    const part = partitionOf(versionId);
    await client.query(`DROP TABLE IF EXISTS ${part}`);
    await client.query(
      `CREATE TABLE ${part} (LIKE purchase_history_rows INCLUDING DEFAULTS) PARTITION BY LIST (chunk)`,
    );
    // Statistics from a sample of 3,000 rows a chunk, not 30,000: lookups by customer go to the index either
    // way, and the larger sample read nearly every page of a chunk (a second of CPU over 10M rows).
    await indexer.query(`SET maintenance_work_mem = '256MB'; SET default_statistics_target = 10`);
    const d = options.delimiter === '\t' ? "E'\\t'" : `'${options.delimiter}'`;
    const copyOptions = `(FORMAT csv, DELIMITER ${d})`;
    const writer = new VersionWriter(
      client,
      indexer,
      versionId,
      copyOptions,
      options.chunkRows,
      options.fileBytes ?? 0,
    );
    await writer.next(0);
    return writer;
  }

  /** The chunk that rows written now go to. */
  get currentChunk(): number {
    return this.chunk;
  }

  /** Writes CSV lines (in the upload's delimiter), waiting while COPY is busy. */
  async write(piece: string | Buffer): Promise<void> {
    if (!this.copy.stream.write(piece)) await new Promise((r) => this.copy.stream.once('drain', r));
  }

  /**
   * Between whole lines: starts the next chunk once this one holds the configured rows (big enough that a
   * lookup touches few indexes), or near the end once it holds as many rows as are left, so the last chunks
   * halve down to an eighth of the configured rows. Each chunk is indexed while the next loads, and the
   * indexing runs about as fast as the load: what is still to index when the load ends is about the last two
   * chunks, so they are kept short. `bytesRead` (how far into the file the rows so far reach) estimates the
   * rows left.
   */
  async rotate(loaded: number, bytesRead = 0): Promise<void> {
    if (this.indexError) throw this.indexError;
    const inChunk = loaded - this.chunkStart;
    if (inChunk >= this.chunkRows || this.atHalfOfRest(loaded, inChunk, bytesRead)) await this.next(loaded);
  }

  private atHalfOfRest(loaded: number, inChunk: number, bytesRead: number): boolean {
    if (inChunk < Math.max(1, Math.floor(this.chunkRows / 8))) return false;
    if (bytesRead <= 0 || this.fileBytes <= bytesRead) return false;
    return inChunk >= ((this.fileBytes - bytesRead) / bytesRead) * loaded;
  }

  /** Ends the last chunk, once every row is written. */
  async end(): Promise<void> {
    await this.endChunk();
  }

  /** Waits until every chunk is indexed. */
  async indexed(): Promise<void> {
    await this.indexing;
    await this.resetIndexer();
    if (this.indexError) throw this.indexError;
  }

  /** Stops after a failure: the caller drops the version. */
  async abort(err: Error): Promise<void> {
    this.copy.stream.destroy(err);
    await this.copy.done.catch(() => {});
    await this.client.query('ROLLBACK').catch(() => {});
    await this.indexing;
    await this.resetIndexer().catch(() => {});
  }

  private async resetIndexer(): Promise<void> {
    await this.indexer.query('RESET maintenance_work_mem; RESET default_statistics_target');
  }

  private async next(loaded: number): Promise<void> {
    if (this.chunk >= 0) await this.endChunk();
    this.chunk++;
    this.chunkStart = loaded;
    const part = partitionOf(this.versionId);
    const table = `${part}_c${this.chunk}`;
    const v = BigInt(this.versionId);
    // Created and filled in one transaction: a chunk is there whole or not at all.
    await this.client.query(
      `BEGIN;
       CREATE TABLE ${table} (LIKE purchase_history_rows INCLUDING DEFAULTS,
         CONSTRAINT ${table}_version CHECK (version_id = ${v}), CONSTRAINT ${table}_chunk CHECK (chunk = ${this.chunk}));
       ALTER TABLE ${table} ALTER COLUMN version_id SET DEFAULT ${v}, ALTER COLUMN chunk SET DEFAULT ${this.chunk};
       ALTER TABLE ${part} ATTACH PARTITION ${table} FOR VALUES IN (${this.chunk})`,
    );
    this.copy = copyIn(this.client, `COPY ${table} (customer_ref, product_code) FROM STDIN ${this.copyOptions}`);
  }

  /** Ends the open chunk's COPY and queues its index (and statistics) on the second connection. */
  private async endChunk(): Promise<void> {
    this.copy.stream.end();
    await this.copy.done;
    await this.client.query('COMMIT');
    const table = `${partitionOf(this.versionId)}_c${this.chunk}`;
    this.indexing = this.indexing
      .then(async () => {
        if (this.indexError) return;
        await this.indexer.query(`CREATE INDEX ${table}_pair ON ${table} (customer_ref, product_code)`);
        await this.indexer.query(`ANALYZE ${table}`);
      })
      .catch((err) => {
        this.indexError = err;
      });
  }
}
