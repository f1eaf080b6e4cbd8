const BLOCK_BITS = 24;
const BLOCK = 2 ** BLOCK_BITS;

/**
 * A workbook's shared strings, held as UTF-8 in 16 MB buffers with a 4-byte start each: about the size of their
 * text, where as many JS strings would take several times that (a million-row sheet can have ten million of
 * them). A sheet's cells read them back by index, one at a time.
 */
export class SharedStrings {
  private readonly blocks: Buffer[] = [];
  /** Where each string starts in the blocks taken end to end; `starts[count]` is where the next one goes. */
  private starts = new Uint32Array(1 << 16);
  private count = 0;

  /** @param limit most bytes to hold, text and starts together; past it, `push` throws `tooMany()`. */
  constructor(
    private readonly limit: number,
    private readonly tooMany: () => Error,
  ) {
    if (limit >= 2 ** 32) throw new RangeError('shared strings are addressed with 32 bits');
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held: the text and the starts. */
  get bytes(): number {
    return this.starts[this.count]! + 4 * this.count;
  }

  push(text: string): void {
    const start = this.starts[this.count]!;
    const length = Buffer.byteLength(text);
    if (start + length + 4 * (this.count + 1) > this.limit) throw this.tooMany();
    const offset = start & (BLOCK - 1);
    const block = this.blockAt(start >>> BLOCK_BITS);
    if (offset + length <= BLOCK) block.write(text, offset);
    else {
      // The string goes on into the next block.
      const bytes = Buffer.from(text);
      bytes.copy(block, offset, 0, BLOCK - offset);
      bytes.copy(this.blockAt((start >>> BLOCK_BITS) + 1), 0, BLOCK - offset);
    }
    if (this.count + 2 > this.starts.length) {
      const grown = new Uint32Array(this.starts.length * 2);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[++this.count] = start + length;
  }

  at(index: number): string | undefined {
    if (!(index >= 0 && index < this.count)) return undefined;
    const start = this.starts[index]!;
    const end = this.starts[index + 1]!;
    const first = start >>> BLOCK_BITS;
    const offset = start & (BLOCK - 1);
    if (end - start <= BLOCK - offset) return this.blocks[first]!.toString('utf8', offset, offset + end - start);
    return Buffer.concat([this.blocks[first]!.subarray(offset), this.blocks[first + 1]!]).toString(
      'utf8',
      0,
      end - start,
    );
  }

  /** The strings as the array exceljs's sheet reader indexes (`strings[i]`), reading each from the blocks. */
  asArray(): readonly string[] {
    return new Proxy([] as string[], {
      get: (target, key, receiver) =>
        typeof key === 'string' && isDigit(key.charCodeAt(0))
          ? this.at(Number(key))
          : Reflect.get(target, key, receiver),
    });
  }

  private blockAt(k: number): Buffer {
    while (this.blocks.length <= k) this.blocks.push(Buffer.allocUnsafe(BLOCK));
    return this.blocks[k]!;
  }
}

const isDigit = (c: number) => c >= 48 && c <= 57;
