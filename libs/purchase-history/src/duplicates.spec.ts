import { DistinctValues, DuplicateSpotter, fnv1aBytes, hashUnlessControl } from './duplicates';

const add = (s: DuplicateSpotter, ref: string, code: string, chunk = 0) => {
  const seen = s.add(hashUnlessControl(ref), hashUnlessControl(code));
  if (seen) s.hold(ref, code, chunk);
  return seen;
};

describe('hashUnlessControl', () => {
  it('hashes a string as the bytes of its UTF-8 form, and refuses a control character', () => {
    for (const v of ['C0001', 'Müller', 'Ωmega-7', '']) expect(hashUnlessControl(v)).toBe(fnv1aBytes(Buffer.from(v)));
    expect(hashUnlessControl('C0\u00071')).toBe(-1);
  });
});

describe('DuplicateSpotter', () => {
  it('catches every repeated pair (no false negatives) with few false alarms', () => {
    const s = new DuplicateSpotter(200_000);
    const pair = (i: number) => [`C${i % 40_000}`, `P${(i * 7) % 50_000}`] as const;
    for (let i = 0; i < 200_000; i++) add(s, ...pair(i));
    const repeated = new Set<string>();
    // The repeats come once the loader writes to its second chunk: each is held with that chunk.
    for (let i = 0; i < 200_000; i += 97) {
      expect(add(s, ...pair(i), 1)).toBe(true);
      repeated.add(pair(i).join('\t'));
    }
    const held = new Set(s.held);
    for (const r of repeated) expect(held.has(`${r}\t1`)).toBe(true);
    expect(s.held.length).toBeLessThan(repeated.size + 200_000 * 0.01);
  });

  it('stops holding rows back, and says so, when a file is mostly duplicates', () => {
    const s = new DuplicateSpotter(1_000, 10);
    for (let i = 0; i < 100; i++) {
      add(s, `C${i}`, 'P');
      add(s, `C${i}`, 'P');
    }
    expect(s.overflow).toBe(true);
    expect(s.hold('C1', 'P', 0)).toBe(false);
    expect(s.release()).toHaveLength(10);
    expect(s.held).toEqual([]);
  });
});

describe('DistinctValues', () => {
  it('keeps each value once, even when two values share a hash', () => {
    const d = new DistinctValues();
    for (const v of ['a', 'b', 'a', 'c', 'b']) d.add(v, hashUnlessControl(v));
    d.add('x', 7);
    d.add('y', 7);
    d.add('x', 7);
    expect([...d.values()].sort()).toEqual(['a', 'b', 'c', 'x', 'y']);
    expect(d.size).toBe(5);
  });

  it('meets values added as text and as bytes of a larger buffer', () => {
    const d = new DistinctValues();
    const file = Buffer.from('C1,Müller\nC2,P9\n');
    d.addBytes(file, 3, 10, fnv1aBytes(file, 3, 10));
    d.addBytes(file, 14, 16, fnv1aBytes(file, 14, 16));
    for (const v of ['Müller', 'P9', 'P10']) d.add(v, hashUnlessControl(v));
    expect([...d.values()]).toEqual(['Müller', 'P9', 'P10']);
  });

  it('grows past its first arena and table', () => {
    const d = new DistinctValues();
    for (let i = 0; i < 50_000; i++)
      d.add(`customer-number-${i % 20_000}`, hashUnlessControl(`customer-number-${i % 20_000}`));
    expect(d.size).toBe(20_000);
    expect(new Set(d.values()).size).toBe(20_000);
  });

  it('gives up past its limit', () => {
    const d = new DistinctValues(3);
    for (const v of ['a', 'b', 'c', 'd']) d.add(v, hashUnlessControl(v));
    expect(d.overflow).toBe(true);
    expect([...d.values()]).toEqual([]);
  });
});
