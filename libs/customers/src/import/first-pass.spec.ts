import { digestKey, recordDigest, rowDigest } from './first-pass';

const csv = (delimiter: ',' | ';') => ({ encoding: 'utf-8', delimiter }) as const;

describe('rowDigest', () => {
  const key = digestKey(['customer_number', 'name'], { blank: 'ignore', separator: '|', dialect: null });

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

  it('depends on the header, on each option that changes what a cell means, and on how a CSV splits', () => {
    const keys = [
      key,
      digestKey(['customer_number', 'email'], { blank: 'ignore', separator: '|', dialect: null }),
      digestKey(['customer_number', 'name'], { blank: 'clear', separator: '|', dialect: null }),
      digestKey(['customer_number', 'name'], { blank: 'ignore', separator: ';', dialect: null }),
      digestKey(['customer_number', 'name'], { blank: 'ignore', separator: '|', keyColumn: 'name', dialect: null }),
      digestKey(['customer_number', 'name'], { blank: 'ignore', separator: '|', dialect: csv(',') }),
      digestKey(['customer_number', 'name'], { blank: 'ignore', separator: '|', dialect: csv(';') }),
    ];
    const digests = keys.map((k) => rowDigest(k, ['C1', 'Acme']));
    expect(new Set(digests).size).toBe(keys.length);
  });
});

describe('recordDigest', () => {
  const key = digestKey(['customer_number', 'name'], { blank: 'ignore', separator: '|', dialect: csv(',') });

  it("is of a CSV record's text, however much of it was split, and else of its cells", () => {
    const whole = { line: 2, fields: ['C1', 'Acme, Ltd'], text: 'C1,"Acme, Ltd"' };
    const firstColumn = { line: 9, fields: ['C1'], text: 'C1,"Acme, Ltd"' };
    expect(recordDigest(key, firstColumn)).toBe(recordDigest(key, whole));
    // Quoted differently, the same cells read as a change: the row is parsed again, never wrongly skipped.
    expect(recordDigest(key, { ...whole, text: 'C1, "Acme, Ltd"' })).not.toBe(recordDigest(key, whole));
    expect(recordDigest(key, { line: 2, fields: ['C1', 'Acme, Ltd'] })).toBe(rowDigest(key, ['C1', 'Acme, Ltd']));
  });
});
