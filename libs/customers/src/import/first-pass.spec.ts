import { digestKey, rowDigest } from './first-pass';

describe('rowDigest', () => {
  const key = digestKey(['customer_number', 'name'], { blank: 'ignore', separator: '|' });

  it('is the same for the same cells under the same key, and a whole number of at most 53 bits', () => {
    const d = rowDigest(key, ['C1', 'Acme']);
    expect(rowDigest(key, ['C1', 'Acme'])).toBe(d);
    expect(Number.isSafeInteger(d) && d >= 0).toBe(true);
  });

  it('tells apart cells split differently, and one changed character', () => {
    const digests = [['ab', ''], ['a', 'b'], ['', 'ab'], ['a\x1fb'], ['ab'], ['ab', '', ''], ['aB', '']].map((cells) =>
      rowDigest(key, cells),
    );
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('depends on the header and on each option that changes what a cell means', () => {
    const keys = [
      key,
      digestKey(['customer_number', 'email'], { blank: 'ignore', separator: '|' }),
      digestKey(['customer_number', 'name'], { blank: 'clear', separator: '|' }),
      digestKey(['customer_number', 'name'], { blank: 'ignore', separator: ';' }),
      digestKey(['customer_number', 'name'], { blank: 'ignore', separator: '|', keyColumn: 'name' }),
    ];
    const digests = keys.map((k) => rowDigest(k, ['C1', 'Acme']));
    expect(new Set(digests).size).toBe(keys.length);
  });
});
