import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import iconv from 'iconv-lite';

export const ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'cp437', 'cp850'] as const;
export type Encoding = (typeof ENCODINGS)[number];

const ALIASES: Record<string, Encoding> = {
  utf8: 'utf-8',
  'utf-8': 'utf-8',
  'utf-16': 'utf-16le',
  utf16: 'utf-16le',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  latin1: 'windows-1252',
  'iso-8859-1': 'windows-1252',
  cp437: 'cp437',
  ibm437: 'cp437',
  dos: 'cp437',
  cp850: 'cp850',
  ibm850: 'cp850',
};

/** DOS code pages: every byte is a character, so there is nothing to reject; iconv-lite decodes them. */
const SINGLE_BYTE_DOS = new Set<Encoding>(['cp437', 'cp850']);

/** A decoder with TextDecoder's shape, for the encodings TextDecoder does not know. */
function decoderOf(encoding: Encoding): Pick<TextDecoder, 'decode'> {
  if (!SINGLE_BYTE_DOS.has(encoding)) return new TextDecoder(encoding, { fatal: true, ignoreBOM: false });
  const dos = iconv.getDecoder(encoding);
  return { decode: (chunk?: Uint8Array) => (chunk ? dos.write(Buffer.from(chunk)) : (dos.end() ?? '')) };
}

/** `UTF8`, `cp1252`, `latin1`… → the encoding we decode, or null if unsupported. */
export const normaliseEncoding = (name: string): Encoding | null => ALIASES[name.trim().toLowerCase()] ?? null;

/** A file's bytes could not be decoded in its encoding: reported with where, never replaced silently. */
export class DecodeError extends Error {
  override name = 'DecodeError';
  /** Bad input for a whole job: the worker fails it at once, without retries. */
  readonly badInput = true;
  constructor(
    readonly encoding: Encoding,
    readonly line: number,
    readonly byteOffset: number,
    readonly bytes: string,
  ) {
    super(
      `The upload can't be read as ${encoding}: line ${line}: bytes ${bytes} (at byte ${byteOffset}) are not valid ${encoding}` +
        (encoding === 'utf-8'
          ? '; if the file was saved by Excel or an older system, send it with encoding=windows-1252 (or cp437 / cp850 for DOS files)'
          : '') +
        '.',
    );
  }
}

const BOMS: [Encoding, number[]][] = [
  ['utf-8', [0xef, 0xbb, 0xbf]],
  ['utf-16le', [0xff, 0xfe]],
  ['utf-16be', [0xfe, 0xff]],
];

/** The encoding a byte-order mark declares, and the mark's length. */
export function bomOf(head: Uint8Array): { encoding: Encoding; length: number } | null {
  for (const [encoding, bom] of BOMS) {
    if (bom.every((b, i) => head[i] === b)) return { encoding, length: bom.length };
  }
  return null;
}

const countNewlines = (s: string) => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

/** Decodes a sample (not streamed; bad bytes become U+FFFD), for sniffing only. */
export function decodeSample(encoding: Encoding, bytes: Uint8Array): string {
  return SINGLE_BYTE_DOS.has(encoding)
    ? iconv.decode(Buffer.from(bytes), encoding)
    : new TextDecoder(encoding).decode(bytes);
}

/**
 * Bytes → text, chunk by chunk, failing with {@link DecodeError} (line and byte offset) on the first byte
 * sequence that is not valid in the encoding. Strips a byte-order mark. A reader that handles some chunks
 * itself (already known to be valid) tells it with {@link skip}, so later errors still name the right place.
 */
export class ChunkDecoder {
  private readonly decoder: Pick<TextDecoder, 'decode'>;
  private offset = 0;
  private lines = 1;
  private first = true;

  constructor(readonly encoding: Encoding) {
    this.decoder = decoderOf(encoding);
  }

  decode(chunk: Uint8Array): string {
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      throw this.locate(chunk);
    }
    this.skip(chunk.length, countNewlines(text));
    return text;
  }

  /** The rest of the text, at the end of the file. */
  end(): string {
    try {
      return this.decoder.decode();
    } catch {
      throw new DecodeError(this.encoding, this.lines, this.offset, '(incomplete character at the end)');
    }
  }

  /** Accounts for `bytes` holding `lines` line feeds, read elsewhere (ending between two characters). */
  skip(bytes: number, lines: number): void {
    this.offset += bytes;
    this.lines += lines;
    this.first = false;
  }

  /** Finds the first bad byte: the longest prefix that still decodes marks it. */
  private locate(chunk: Uint8Array): DecodeError {
    const probe = () => new TextDecoder(this.encoding, { fatal: true, ignoreBOM: !this.first });
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      try {
        probe().decode(chunk.subarray(0, mid), { stream: true });
        lo = mid;
      } catch {
        hi = mid - 1;
      }
    }
    // A valid-looking start of a character just before the bad byte belongs to the bad sequence.
    for (let back = lo; back >= Math.max(0, lo - 3); back--) {
      try {
        probe().decode(chunk.subarray(0, back));
        lo = back;
        break;
      } catch {
        // keep backing up
      }
    }
    const good = probe().decode(chunk.subarray(0, lo), { stream: true });
    const bad = [...chunk.subarray(lo, lo + 4)].map((b) => `0x${b.toString(16).padStart(2, '0').toUpperCase()}`);
    return new DecodeError(this.encoding, this.lines + countNewlines(good), this.offset + lo, bad.join(' '));
  }
}

/** {@link ChunkDecoder} as a stream: bytes in, text out. */
export class DecodeStream extends Transform {
  private readonly decoder: ChunkDecoder;

  constructor(readonly encoding: Encoding) {
    // Text out as the decoder made it: a byte-mode readable side would encode it to UTF-8 and decode it again.
    super({ decodeStrings: false, readableObjectMode: true });
    this.decoder = new ChunkDecoder(encoding);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      const text = this.decoder.decode(chunk);
      if (text) this.push(text);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      const text = this.decoder.end();
      if (text) this.push(text);
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}
