/** FNV-1a's 32-bit offset basis and prime. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a over bytes, 32 bits. */
export function fnv1aBytes(b: Uint8Array, from = 0, to = b.length): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i]!, FNV_PRIME);
  return h >>> 0;
}

/**
 * The hash of a value (FNV-1a over its UTF-8 bytes, as {@link fnv1aBytes} and the byte scan compute it, so values
 * read as bytes and values read as text meet in the same trackers), or -1 when it holds a control character: one
 * pass over the characters does both, since every loaded value needs both.
 */
export function hashUnlessControl(v: string): number {
  let h = FNV_OFFSET;
  let ascii = true;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return -1;
    if (c >= 0x80) ascii = false;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return ascii ? h >>> 0 : fnv1aBytes(Buffer.from(v));
}

/**
 * Spots rows whose pair may have occurred before, while the file streams by, in bounded memory: a cache-blocked
 * Bloom filter (one 512-bit block per pair, so one cache miss) answers "seen before?" with no false negatives,
 * so every repeated pair is caught from its second occurrence on, plus a few false alarms. The loader holds
 * those rows back ({@link hold}) instead of writing them; afterwards, each held pair is added once unless the
 * table already has it. So duplicates never reach the table and nothing is deleted. Past `maxHeld` rows (a file
 * made mostly of duplicates) it stops holding and says so; the caller writes the held rows and deduplicates the
 * whole table instead.
 */
export class DuplicateSpotter {
  private readonly blocks: Uint32Array;
  private readonly blockMask: number;
  /** Rows held back, as `ref\tcode\tchunk`, repeats included (see {@link hold}). */
  held: string[] = [];
  overflow = false;

  constructor(
    expectedRows: number,
    private readonly maxHeld = 250_000,
  ) {
    // About 12 bits per row, in 512-bit blocks; between 2^11 and 2^20 blocks (128 KB .. 64 MB).
    const want = Math.min(2 ** 20, Math.max(2 ** 11, Math.ceil((expectedRows * 12) / 512)));
    const blocks = 2 ** Math.round(Math.log2(want));
    this.blocks = new Uint32Array(blocks * 16);
    this.blockMask = blocks - 1;
  }

  /** Records a pair, given the hashes of its two values; true if it may have been seen before. */
  add(refHash: number, codeHash: number): boolean {
    const base = this.blockOf(refHash, codeHash);
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
    return seen;
  }

  /** Loads the blocks of pairs `[from, to)` (see {@link DistinctValues.warmSlots}); the result means nothing. */
  warm(refHashes: Int32Array, codeHashes: Int32Array, from: number, to: number): number {
    const blocks = this.blocks;
    let touched = 0;
    for (let k = from; k < to; k++) {
      const base = this.blockOf(refHashes[k]!, codeHashes[k]!);
      touched ^= blocks[base]! ^ blocks[base + 15]!; // a block may straddle two cache lines
    }
    return touched;
  }

  private blockOf(refHash: number, codeHash: number): number {
    let h = Math.imul(refHash ^ Math.imul(codeHash, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    return ((h >>> 0) & this.blockMask) * 16;
  }

  /**
   * Holds back a row whose pair {@link add} said may repeat; false once too many are held (write it then).
   * `chunk` is the chunk rows are written to now: the pair, if the version has it, was written when it first
   * came, to this chunk or an earlier one (every later occurrence was held), so that is all it is looked for in.
   */
  hold(ref: string, code: string, chunk: number): boolean {
    if (this.overflow) return false;
    if (this.held.length >= this.maxHeld) {
      this.overflow = true;
      return false;
    }
    this.held.push(`${ref}\t${code}\t${chunk}`);
    return true;
  }

  /** After an overflow: the rows held until then, for the caller to write (once). */
  release(): string[] {
    const rows = this.held;
    this.held = [];
    return rows;
  }
}

/**
 * The distinct values of a column, kept while the file streams by so that counting them and finding the
 * unmatched ones needs no pass over the table. An open-addressing table over one typed array, each slot a
 * value's hash beside where its bytes sit in an arena (each value stored as a 2-byte length and its UTF-8
 * bytes, in the order first seen). A lookup so touches two places in memory, the slot and the value's bytes:
 * with 200,000 customers in random order nearly every lookup misses the CPU cache, and each touch costs one
 * miss. Adding a value read straight from the file's bytes creates no string. Values that share a hash are told
 * apart by their bytes. Gives up past `max` values (memory stays bounded); callers then ask Postgres instead.
 */
export class DistinctValues {
  /** Slot i: [2i] the value's hash, [2i + 1] its offset in the arena + 1 (0: empty). */
  private slots = new Int32Array(2 << 12);
  private arena = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private count = 0;
  /** Real files come grouped (by order, by customer): the same value many rows in a row costs one compare. */
  private lastAt = -1;
  private lastHash = 0;
  overflow = false;

  constructor(private readonly max = 1_000_000) {}

  get size(): number {
    return this.count;
  }

  add(v: string, hash: number): void {
    const b = Buffer.from(v);
    this.addBytes(b, 0, b.length, hash);
  }

  /** Adds the value held in `b[from, to)` (at most 64 KB, as every key the loader checks is). */
  addBytes(b: Uint8Array, from: number, to: number, hash: number): void {
    if (this.overflow) return;
    const h = hash | 0;
    if (this.lastAt >= 0 && h === this.lastHash && this.holds(this.lastAt, b, from, to)) return;
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const at = slots[2 * i + 1]! - 1;
      if (at === -1) {
        const stored = this.store(b, from, to);
        slots[2 * i] = h;
        slots[2 * i + 1] = stored + 1;
        this.lastAt = stored;
        this.lastHash = h;
        if (this.count > this.max) this.giveUp();
        else if (this.count * 2 > mask + 1) this.grow();
        return;
      }
      if (slots[2 * i] === h && this.holds(at, b, from, to)) {
        this.lastAt = at;
        this.lastHash = h;
        return;
      }
    }
  }

  /**
   * Loads the slots that lookups of `hashes[from, to)` start at, so that the lookups that follow find them in
   * the CPU cache. A lookup's own loads depend on each other and wait one by one; these don't, so the CPU has
   * many in flight at once: with tables larger than the cache this cut the loader's tracking time by about
   * 40%. The result means nothing; callers keep it so that the loads are not optimised away.
   */
  warmSlots(hashes: Int32Array, from: number, to: number): number {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let touched = 0;
    for (let k = from; k < to; k++) touched ^= slots[2 * (hashes[k]! & mask) + 1]!;
    return touched;
  }

  /** After {@link warmSlots}: loads the stored values those slots point at, for the byte comparison. */
  warmValues(hashes: Int32Array, from: number, to: number): number {
    const slots = this.slots;
    const arena = this.arena;
    const mask = (slots.length >> 1) - 1;
    let touched = 0;
    for (let k = from; k < to; k++) touched ^= arena[slots[2 * (hashes[k]! & mask) + 1]!]!;
    return touched;
  }

  *values(): IterableIterator<string> {
    for (let at = 0; at < this.used; ) {
      const len = this.arena.readUInt16LE(at);
      yield this.arena.toString('utf8', at + 2, at + 2 + len);
      at += 2 + len;
    }
  }

  private holds(at: number, b: Uint8Array, from: number, to: number): boolean {
    const arena = this.arena;
    const len = to - from;
    if ((arena[at]! | (arena[at + 1]! << 8)) !== len) return false;
    for (let k = 0, s = at + 2; k < len; k++) if (arena[s + k] !== b[from + k]) return false;
    return true;
  }

  /** Appends a value to the arena; returns where it starts. */
  private store(b: Uint8Array, from: number, to: number): number {
    const len = to - from;
    if (this.used + 2 + len > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + 2 + len));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    const at = this.used;
    this.arena.writeUInt16LE(len, at);
    this.arena.set(b.subarray(from, to), at + 2);
    this.used += 2 + len;
    this.count++;
    return at;
  }

  private giveUp(): void {
    this.overflow = true;
    this.count = 0;
    this.used = 0;
    this.lastAt = -1;
    this.arena = Buffer.alloc(0);
    this.slots = new Int32Array(0);
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = (slots.length >> 1) - 1;
    for (let j = 0; j < old.length; j += 2) {
      const at = old[j + 1]!;
      if (at === 0) continue;
      let i = old[j]! & mask;
      while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
      slots[2 * i] = old[j]!;
      slots[2 * i + 1] = at;
    }
    this.slots = slots;
  }
}
