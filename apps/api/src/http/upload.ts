import { randomUUID } from 'node:crypto';
import type { FileStore, StoredFile } from '@customer-hub/files';
import busboy from 'busboy';
import type { Request } from 'express';
import { HttpError } from './errors';

export interface UploadLimits {
  accountId: string;
  maxBytes: number;
  /** Hours the upload is kept; the worker's sweeper deletes it afterwards. */
  retentionHours: number;
  purpose: string;
}

const expiryOf = (o: UploadLimits) => new Date(Date.now() + o.retentionHours * 3600_000);

/**
 * Streams the request body into the file store under a generated name (never the client's). Nothing is held
 * in memory; over `maxBytes` the answer is 413 and no file stays behind, nor does one from an aborted upload.
 */
export async function storeUpload(req: Request, files: FileStore, opts: UploadLimits): Promise<StoredFile> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    req.resume(); // discard what is sent; the answer goes out with Connection: close
    throw new HttpError(413, 'payload_too_large', `Upload is larger than the limit of ${opts.maxBytes} bytes.`);
  }
  const key = `uploads/${opts.accountId}/${opts.purpose}/${randomUUID()}`;
  const stored = await files.write(key, req, {
    maxBytes: opts.maxBytes,
    expiresAt: expiryOf(opts),
    contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
  });
  if (stored.bytes === 0) {
    await files.delete(key);
    throw new HttpError(400, 'empty_upload', 'The uploaded file is empty.');
  }
  return stored;
}

/**
 * The first file part of a multipart/form-data request, streamed into the store like a raw body (other parts
 * are ignored). Returns the stored file and the client's file name, for listings only.
 */
export async function storeMultipartUpload(
  req: Request,
  files: FileStore,
  opts: UploadLimits,
): Promise<{ stored: StoredFile; fileName: string | null }> {
  const key = `uploads/${opts.accountId}/${opts.purpose}/${randomUUID()}`;
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 50, fileSize: opts.maxBytes + 1 } });
    } catch (err) {
      reject(new HttpError(400, 'bad_multipart', `The multipart body can't be read: ${(err as Error).message}`));
      return;
    }
    let writing: Promise<void> | null = null;
    const fail = (err: unknown) => {
      req.unpipe(parser);
      req.resume();
      void files.delete(key).finally(() => reject(err));
    };
    parser.on('file', (_field, stream, info) => {
      if (writing) return void stream.resume();
      writing = files
        .write(key, stream, {
          maxBytes: opts.maxBytes,
          contentType: info.mimeType || 'application/octet-stream',
          expiresAt: expiryOf(opts),
        })
        .then(async (stored) => {
          if (stored.bytes === 0) throw new HttpError(400, 'empty_upload', 'The uploaded file is empty.');
          resolve({ stored, fileName: info.filename ? info.filename.slice(0, 255) : null });
        })
        .catch(fail);
    });
    parser.on('error', (err) =>
      fail(new HttpError(400, 'bad_multipart', `The multipart body can't be read: ${(err as Error).message}`)),
    );
    parser.on('close', () => {
      if (!writing) fail(new HttpError(400, 'empty_upload', 'The multipart body has no file part.'));
    });
    req.on('aborted', () => fail(new Error('client aborted the upload')));
    req.pipe(parser);
  });
}
