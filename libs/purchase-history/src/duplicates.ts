/** FNV-1a over a string, 32 bits. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Spots pairs that may occur more than once while the file streams by, in bounded memory: a cache-blocked Bloom
 * filter (one 512-bit block per pair, so one cache miss) answers "seen before?" with no false negatives, so
 * every repeated pair is caught at its second occurrence, plus a few per cent false alarms. Only these suspects
 * are checked in SQL afterwards, instead of grouping every row. Past `maxSuspects` (a file made mostly of
 * duplicates) it gives up and says so; the caller then deduplicates the whole table.
 */
export class DuplicateSpotter {
  private readonly blocks: Uint32Array;
  private readonly blockMask: number;
  readonly suspects = new Set<string>();
  overflow = false;

  constructor(
    expectedRows: number,
    private readonly maxSuspects = 250_000,
  ) {
    // 6 to 12 bits per row, in 512-bit blocks; between 2^11 and 2^20 blocks (128 KB .. 64 MB).
    const want = Math.min(2 ** 20, Math.max(2 ** 11, Math.ceil((expectedRows * 12) / 512)));
    const blocks = 2 ** Math.floor(Math.log2(want));
    this.blocks = new Uint32Array(blocks * 16);
    this.blockMask = blocks - 1;
  }

  /** Records a pair, given the hashes of its two values; true if it may have been seen before. */
  add(ref: string, code: string, refHash: number, codeHash: number): boolean {
    let h = Math.imul(refHash ^ Math.imul(codeHash, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    const base = ((h >>> 0) & this.blockMask) * 16;
    let g = Math.imul(codeHash + Math.imul(refHash, 0xc2b2ae35), 0x27d4eb2f) | 1;
    let seen = true;
    for (let k = 0; k < 6; k++) {
      const bit = (g >>> 23) & 511; // 9 bits: which of the block's 512 bits
      const word = base + (bit >>> 5);
      const flag = 1 << (bit & 31);
      if ((this.blocks[word]! & flag) === 0) {
        seen = false;
        this.blocks[word]! |= flag;
      }
      g = Math.imul(g, 0x2c1b3c6d) + 0x297a2d39;
    }
    if (seen && !this.overflow) {
      this.suspects.add(`${ref}\t${code}`);
      if (this.suspects.size > this.maxSuspects) {
        this.overflow = true;
        this.suspects.clear();
      }
    }
    return seen;
  }
}

/**
 * The distinct values of a column, kept while the file streams by so that counting them and finding the
 * unmatched ones needs no pass over the table. An open-addressing table over typed arrays, keyed by the value's
 * hash (much cheaper per row than a Map of strings); values that share a hash are told apart by comparing them.
 * Gives up past `max` values (memory stays bounded); callers then ask Postgres instead.
 */
export class DistinctValues {
  private hashes = new Int32Array(1 << 12);
  private slots = new Int32Array(1 << 12).fill(-1);
  private strings: string[] = [];
  /** Real files come grouped (by order, by customer): the same value many rows in a row costs one compare. */
  private last: string | null = null;
  overflow = false;

  constructor(private readonly max = 1_000_000) {}

  get size(): number {
    return this.strings.length;
  }

  add(v: string, hash: number): void {
    if (this.overflow || v === this.last) return;
    this.last = v;
    const h = hash | 0;
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const at = this.slots[i]!;
      if (at === -1) {
        this.slots[i] = this.strings.length;
        this.hashes[i] = h;
        this.strings.push(v);
        if (this.strings.length > this.max) {
          this.overflow = true;
          this.strings = [];
        } else if (this.strings.length * 2 > this.slots.length) this.grow();
        return;
      }
      if (this.hashes[i] === h && this.strings[at] === v) return;
    }
  }

  values(): IterableIterator<string> {
    return this.strings.values();
  }

  private grow(): void {
    const old = { hashes: this.hashes, slots: this.slots };
    this.hashes = new Int32Array(old.slots.length * 2);
    this.slots = new Int32Array(old.slots.length * 2).fill(-1);
    const mask = this.slots.length - 1;
    for (let j = 0; j < old.slots.length; j++) {
      const at = old.slots[j]!;
      if (at === -1) continue;
      const h = old.hashes[j]!;
      let i = h & mask;
      while (this.slots[i] !== -1) i = (i + 1) & mask;
      this.slots[i] = at;
      this.hashes[i] = h;
    }
  }
}
