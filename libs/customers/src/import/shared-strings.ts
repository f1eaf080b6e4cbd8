import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Strings a mark in memory covers: the 4-byte mark per 16 strings is all that grows with the workbook. */
const PER_MARK = 16;
const WRITE_BUFFER = 1024 * 1024;
const READ_BLOCK = 64 * 1024;
/** Blocks kept for reading back (8 MB, by block number modulo this): what a sheet repeats from rows near by. */
const CACHED_BLOCKS = 128;
/** Strings kept decoded (by index modulo this): a sheet's few repeated values (a group, a country) cost nothing. */
const RECENT = 4096;

/**
 * A workbook's shared strings, kept on disk while a sheet that points into them is read: each as its UTF-8
 * length (LEB128) and bytes in an unlinked temp file, which goes away with its descriptor however the process
 * ends. Memory stays flat whatever the workbook: a mark for every 16 strings, 8 MB of cached blocks and 4,096
 * recently read strings. Reading back is fastest in the order the strings were written, which is the order a
 * sheet first uses them.
 */
export class SharedStrings {
  private readonly fd: number;
  /** Set where the file could not be unlinked while open (Windows): removed on close instead. */
  private readonly linked: string | null = null;
  private marks = new Uint32Array(1024);
  private count = 0;
  /** Bytes written to the file so far (and where the next string goes). */
  private end = 0;
  private readonly pending = Buffer.allocUnsafe(WRITE_BUFFER);
  private pendingBytes = 0;
  private readonly blocks: (Buffer | undefined)[] = new Array(CACHED_BLOCKS);
  private readonly blockNumbers = new Int32Array(CACHED_BLOCKS).fill(-1);
  private readonly recent: string[] = new Array(RECENT);
  private readonly recentIndex = new Int32Array(RECENT).fill(-1);
  /** The string after the last one read, and where it starts: a sheet mostly reads the next string. */
  private nextIndex = -1;
  private nextAt = 0;
  /** Where the varint {@link readVarint} read last ends. */
  private varintEnd = 0;

  /** @param limit most bytes to keep; past it, `push` throws `tooMany()`. */
  constructor(
    private readonly limit: number,
    private readonly tooMany: () => Error,
    dir = os.tmpdir(),
  ) {
    if (limit >= 2 ** 32) throw new RangeError('shared strings are addressed with 32 bits');
    const file = path.join(dir, `hub-xlsx-strings-${process.pid}-${randomBytes(6).toString('hex')}`);
    this.fd = fs.openSync(file, 'wx+', 0o600);
    try {
      fs.unlinkSync(file);
    } catch {
      this.linked = file;
    }
  }

  get size(): number {
    return this.count;
  }

  /** Bytes kept on disk. */
  get bytes(): number {
    return this.end;
  }

  push(text: string): void {
    const length = Buffer.byteLength(text);
    const record = varintLength(length) + length;
    if (this.end + record > this.limit) throw this.tooMany();
    if (this.count % PER_MARK === 0) this.mark(this.count / PER_MARK, this.end);
    if (this.pendingBytes + record > WRITE_BUFFER) this.flush();
    if (record > WRITE_BUFFER) {
      const bytes = Buffer.allocUnsafe(record);
      bytes.write(text, writeVarint(bytes, 0, length));
      fs.writeSync(this.fd, bytes, 0, record, this.end);
      this.forgetBlocks();
    } else {
      const at = writeVarint(this.pending, this.pendingBytes, length);
      this.pending.write(text, at);
      this.pendingBytes += record;
    }
    this.end += record;
    this.count++;
  }

  at(index: number): string | undefined {
    if (!(index >= 0 && index < this.count)) return undefined;
    const slot = index & (RECENT - 1);
    if (this.recentIndex[slot] === index) return this.recent[slot];
    this.flush();
    let at = this.nextAt;
    if (index !== this.nextIndex) {
      at = this.marks[Math.floor(index / PER_MARK)]!;
      for (let k = index % PER_MARK; k > 0; k--) {
        const length = this.readVarint(at);
        at = this.varintEnd + length;
      }
    }
    const length = this.readVarint(at);
    const from = this.varintEnd;
    this.nextIndex = index + 1;
    this.nextAt = from + length;
    const text = this.text(from, length);
    this.recentIndex[slot] = index;
    this.recent[slot] = text;
    return text;
  }

  close(): void {
    fs.closeSync(this.fd);
    if (this.linked) fs.rmSync(this.linked, { force: true });
    this.forgetBlocks();
  }

  private mark(k: number, at: number) {
    if (k >= this.marks.length) {
      const grown = new Uint32Array(this.marks.length * 2);
      grown.set(this.marks);
      this.marks = grown;
    }
    this.marks[k] = at;
  }

  private flush() {
    if (this.pendingBytes === 0) return;
    fs.writeSync(this.fd, this.pending, 0, this.pendingBytes, this.end - this.pendingBytes);
    this.pendingBytes = 0;
    this.forgetBlocks();
  }

  /** A block read before a write may end short of what the file now holds. */
  private forgetBlocks() {
    this.blockNumbers.fill(-1);
  }

  /** The LEB128 number at `at`; where it ends goes to {@link varintEnd}. */
  private readVarint(at: number): number {
    let value = 0;
    for (let shift = 1; ; shift *= 128) {
      const byte = this.block(Math.floor(at / READ_BLOCK))[at % READ_BLOCK]!;
      at++;
      value += (byte & 127) * shift;
      if (byte < 128) {
        this.varintEnd = at;
        return value;
      }
    }
  }

  private text(at: number, length: number): string {
    const offset = at % READ_BLOCK;
    if (offset + length <= READ_BLOCK) {
      return this.block(Math.floor(at / READ_BLOCK)).toString('utf8', offset, offset + length);
    }
    const bytes = Buffer.allocUnsafe(length);
    fs.readSync(this.fd, bytes, 0, length, at);
    return bytes.toString('utf8');
  }

  private block(k: number): Buffer {
    const slot = k & (CACHED_BLOCKS - 1);
    if (this.blockNumbers[slot] === k) return this.blocks[slot]!;
    const block = this.blocks[slot] ?? Buffer.allocUnsafe(READ_BLOCK);
    this.blocks[slot] = block;
    fs.readSync(this.fd, block, 0, READ_BLOCK, k * READ_BLOCK);
    this.blockNumbers[slot] = k;
    return block;
  }
}

function varintLength(n: number): number {
  let bytes = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    bytes++;
  }
  return bytes;
}

/** Writes `n` as LEB128 at `at`; where the next byte goes. */
function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 128) {
    buf[at++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}
