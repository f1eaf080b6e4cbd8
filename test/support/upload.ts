import http from 'node:http';
import { Readable } from 'node:stream';
import type { FileStore } from '@customer-hub/files';

export interface GeneratedUpload {
  port: number;
  path: string;
  token: string;
  /** Bytes to send, generated from one reused buffer (the sender holds no more than one chunk). */
  total: number;
  chunkSize?: number;
  /** Send without Content-Length (chunked transfer encoding). */
  chunked?: boolean;
  /** Stop sending after this many bytes and drop the connection, once `abortWhen` resolves. */
  abortAfter?: number;
  abortWhen?: () => Promise<unknown>;
}

/** POSTs a generated CSV body of any size over a real socket; resolves with the status and body. */
export function postGenerated(o: GeneratedUpload): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: o.port,
      method: 'POST',
      path: o.path,
      headers: {
        Authorization: `Bearer ${o.token}`,
        'Content-Type': 'text/csv',
        ...(o.chunked ? {} : { 'Content-Length': String(o.total) }),
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => (o.abortAfter !== undefined ? resolve({ status: 0, body: String(err) }) : reject(err)));
    const chunk = Buffer.alloc(o.chunkSize ?? 64 * 1024, 'C123,P456\n');
    let sent = 0;
    const pump = () => {
      while (sent < o.total) {
        if (o.abortAfter !== undefined && sent >= o.abortAfter) {
          void (o.abortWhen?.() ?? Promise.resolve()).then(() => {
            req.destroy();
            resolve({ status: 0, body: 'aborted' });
          });
          return;
        }
        const n = Math.min(chunk.length, o.total - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** Stores a generated text file: `head`, then `line(i)` for i in [from, to), written in 64 KB pieces. */
export async function storeGeneratedFile(
  files: FileStore,
  key: string,
  head: string,
  range: { from: number; to: number },
  line: (i: number) => string,
): Promise<string> {
  async function* pieces() {
    let chunk = head;
    for (let i = range.from; i < range.to; i++) {
      chunk += line(i);
      if (chunk.length > 64_000) {
        yield chunk;
        chunk = '';
      }
    }
    yield chunk;
  }
  await files.write(key, Readable.from(pieces()));
  return key;
}
