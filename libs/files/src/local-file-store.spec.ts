import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { FileNotFoundError, FileTooLargeError } from './file-store';
import { LocalFileStore } from './local-file-store';

let dir: string;
let store: LocalFileStore;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'store-spec-'));
  store = new LocalFileStore(dir);
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

const allFiles = async () =>
  (await fs.readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);

describe('LocalFileStore', () => {
  it('writes a stream, reads it back, and reports its size and type', async () => {
    const stored = await store.write('a/b/report.csv', Readable.from(['x,y\n', '1,2\n']), { contentType: 'text/csv' });
    expect(stored).toMatchObject({ key: 'a/b/report.csv', bytes: 8, contentType: 'text/csv', expiresAt: null });
    expect(await text(await store.read('a/b/report.csv'))).toBe('x,y\n1,2\n');
    expect(await store.stat('a/b/report.csv')).toMatchObject({ bytes: 8 });
  });

  it('leaves nothing behind when the stream passes maxBytes', async () => {
    await expect(
      store.write('big', Readable.from([Buffer.alloc(10), Buffer.alloc(10)]), { maxBytes: 15 }),
    ).rejects.toBeInstanceOf(FileTooLargeError);
    expect(await allFiles()).toEqual([]);
  });

  it('leaves no temp file behind when the first chunk is already over maxBytes', async () => {
    await expect(store.write('big', Readable.from([Buffer.alloc(100)]), { maxBytes: 15 })).rejects.toBeInstanceOf(
      FileTooLargeError,
    );
    // A lazily opened write stream used to create its file after the failure had been cleaned up.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await allFiles()).toEqual([]);
  });

  it('leaves nothing behind when the source stream fails', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(100));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(store.write('x', failing)).rejects.toThrow('client went away');
    expect(await allFiles()).toEqual([]);
  });

  it('refuses keys that could escape the store', async () => {
    for (const key of ['../x', '/etc/passwd', 'a/../../b', '', 'a//b', 'x.meta.json']) {
      await expect(store.write(key, Readable.from(['x']))).rejects.toThrow(/invalid file key/);
    }
  });

  it('lists by prefix, deletes, and tells a missing file apart', async () => {
    await store.write('jobs/1/a.csv', Readable.from(['a']));
    await store.write('jobs/1/b.csv', Readable.from(['b']));
    await store.write('jobs/2/c.csv', Readable.from(['c']));
    const listed: string[] = [];
    for await (const f of store.list('jobs/1/')) listed.push(f.key);
    expect(listed).toEqual(['jobs/1/a.csv', 'jobs/1/b.csv']);
    await store.delete('jobs/1/a.csv');
    await expect(store.read('jobs/1/a.csv')).rejects.toBeInstanceOf(FileNotFoundError);
    expect(await store.stat('jobs/1/a.csv')).toBeNull();
  });

  it('deletes expired files only', async () => {
    const past = new Date(Date.now() - 1000);
    const future = new Date(Date.now() + 60_000);
    await store.write('old.csv', Readable.from(['o']), { expiresAt: past });
    await store.write('new.csv', Readable.from(['n']), { expiresAt: future });
    await store.write('keep.csv', Readable.from(['k']));
    expect(await store.deleteExpired()).toBe(1);
    expect(await store.stat('old.csv')).toBeNull();
    expect(await store.stat('new.csv')).not.toBeNull();
    expect(await store.stat('keep.csv')).not.toBeNull();
  });
});
