import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileNotFoundError, type FileStore, FileTooLargeError, type StoredFile, type WriteOptions } from './file-store';

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
const META = '.meta.json';
const TMP = '.tmp';

interface Meta {
  contentType: string;
  createdAt: string;
  expiresAt: string | null;
}

/** Local-disk {@link FileStore}: each file beside a small `.meta.json`; writes go to a temp name, then rename. */
export class LocalFileStore implements FileStore {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    if (!KEY.test(key) || key.includes('..') || key.endsWith(META) || key.includes(TMP)) {
      throw new Error(`invalid file key ${JSON.stringify(key)}`);
    }
    return path.join(this.root, key);
  }

  async write(key: string, body: Readable, options: WriteOptions = {}): Promise<StoredFile> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${path.dirname(target)}/${TMP}-${randomUUID()}`;
    let bytes = 0;
    const limit = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > limit) done(new FileTooLargeError(limit));
        else done(null, chunk);
      },
    });
    const out = createWriteStream(tmp, { flags: 'wx' });
    try {
      await pipeline(body, counter, out);
      const meta: Meta = {
        contentType: options.contentType ?? 'application/octet-stream',
        createdAt: new Date().toISOString(),
        expiresAt: options.expiresAt ? options.expiresAt.toISOString() : null,
      };
      await fs.writeFile(target + META, JSON.stringify(meta));
      await fs.rename(tmp, target);
      return { key, bytes, ...toDates(meta) };
    } catch (err) {
      body.destroy();
      // The stream opens its file lazily: wait until it has closed, or the file could appear after the rm.
      out.destroy();
      if (!out.closed) await new Promise<void>((closed) => out.once('close', () => closed()));
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async read(key: string): Promise<Readable> {
    const p = this.pathOf(key);
    // Check first so a missing file is a FileNotFoundError, not a stream error later.
    await fs.access(p).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new FileNotFoundError(key) : err;
    });
    return createReadStream(p);
  }

  async stat(key: string): Promise<StoredFile | null> {
    const p = this.pathOf(key);
    try {
      const [st, raw] = await Promise.all([fs.stat(p), fs.readFile(p + META, 'utf8')]);
      return { key, bytes: st.size, ...toDates(JSON.parse(raw) as Meta) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const p = this.pathOf(key);
    await fs.rm(p, { force: true });
    await fs.rm(p + META, { force: true });
  }

  async *list(prefix: string): AsyncIterable<StoredFile> {
    const base = path.join(this.root, prefix);
    const dir = prefix.endsWith('/') || prefix === '' ? base : path.dirname(base);
    let entries: string[];
    try {
      entries = await fs.readdir(dir, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries.sort()) {
      const key = path.relative(this.root, path.join(dir, entry)).split(path.sep).join('/');
      if (!key.startsWith(prefix) || key.endsWith(META) || path.basename(key).startsWith(TMP)) continue;
      const file = await this.stat(key).catch(() => null);
      if (file) yield file;
    }
  }

  async deleteExpired(now = new Date()): Promise<number> {
    let n = 0;
    for await (const file of this.list('')) {
      if (file.expiresAt && file.expiresAt <= now) {
        await this.delete(file.key);
        n++;
      }
    }
    return n;
  }
}

function toDates(meta: Meta) {
  return {
    contentType: meta.contentType,
    createdAt: new Date(meta.createdAt),
    expiresAt: meta.expiresAt ? new Date(meta.expiresAt) : null,
  };
}
