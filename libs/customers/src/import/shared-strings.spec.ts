import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SharedStrings } from './shared-strings';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-strings-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true }));

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
  const store = new SharedStrings(2 ** 31, tooMany, dir);
  for (const s of strings) store.push(s);
  expect(store.size).toBe(strings.length);
  const order = strings.map((_, i) => (i * 7919) % strings.length);
  for (const i of order) expect(store.at(i)).toBe(strings[i]);
  for (let i = 0; i < strings.length; i++) expect(store.at(i)).toBe(strings[i]);
  expect(store.at(strings.length)).toBeUndefined();
  expect(store.at(-1)).toBeUndefined();
  store.close();
});

it('reads back strings while more are added', () => {
  const store = new SharedStrings(2 ** 31, tooMany, dir);
  for (let i = 0; i < 100_000; i++) {
    store.push(`row ${i}`);
    if (i % 1_000 === 0) expect(store.at(i >> 1)).toBe(`row ${i >> 1}`);
  }
  expect(store.at(99_999)).toBe('row 99999');
  store.close();
});

it('keeps its file out of sight: unlinked while open, so nothing is left however the process ends', () => {
  const store = new SharedStrings(1024, tooMany, dir);
  store.push('kept on disk');
  expect(fs.readdirSync(dir)).toEqual([]);
  expect(store.at(0)).toBe('kept on disk');
  store.close();
});

it('refuses to keep more than its limit: each string with its length', () => {
  const store = new SharedStrings(20, tooMany, dir);
  store.push('12345678'); // 1 + 8
  expect(() => store.push('12345678901')).toThrow('too many'); // 9 + 1 + 11 = 21
  store.push('€'); // 9 + 1 + 3
  expect(store.bytes).toBe(13);
  expect(store.at(1)).toBe('€');
  store.close();
});
