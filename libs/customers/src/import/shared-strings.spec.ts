import { SharedStrings } from './shared-strings';

const tooMany = () => new Error('too many');

/** Strings of every length class, multi-byte text among them, some long enough to cross a block. */
function sample(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 997 === 0) out.push(`long ${i} ${'ü€𝄞x'.repeat(80_000 + i)}`);
    else if (i % 7 === 0) out.push('');
    else if (i % 5 === 0) out.push(`Ünïcödé ${i} ✓ 𝄞`);
    else out.push(`Customer ${i} Ltd`);
  }
  return out;
}

it('gives back every string by index, across blocks, in any order', () => {
  const strings = sample(20_000);
  const store = new SharedStrings(2 ** 31, tooMany);
  for (const s of strings) store.push(s);
  expect(store.size).toBe(strings.length);
  expect(store.bytes).toBeGreaterThan(16 * 1024 ** 2); // the long ones fill more than one block
  const order = strings.map((_, i) => (i * 7919) % strings.length);
  for (const i of order) expect(store.at(i)).toBe(strings[i]);
  expect(store.at(strings.length)).toBeUndefined();
  expect(store.at(-1)).toBeUndefined();
});

it('reads as the array exceljs indexes', () => {
  const store = new SharedStrings(1024, tooMany);
  store.push('a');
  store.push('β');
  const array = store.asArray();
  expect([array[0], array[1], array[2]]).toEqual(['a', 'β', undefined]);
  expect(Boolean(array)).toBe(true);
});

it('refuses to hold more than its limit, counting the text and 4 bytes a string', () => {
  const store = new SharedStrings(20, tooMany);
  store.push('12345678'); // 8 + 4
  expect(() => store.push('12345')).toThrow('too many'); // 8 + 5 + 2 × 4 = 21
  store.push('1'); // 8 + 1 + 2 × 4 = 17
  expect(store.bytes).toBe(17);
  expect(store.at(1)).toBe('1');
});
