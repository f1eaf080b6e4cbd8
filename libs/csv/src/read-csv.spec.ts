import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { DecodeError, type Encoding } from './decode';
import { readCsv, readCsvBatches, readCsvSpans } from './read-csv';
import { assertTextual, NotCsvError, sniffDelimiter, sniffEncoding, workbookKind } from './sniff';
import {
  BATCH_ITEMS,
  type CsvItem,
  type CsvLineError,
  CsvLineTooLong,
  type CsvRecord,
  CsvSplitter,
  isLineError,
  MAX_RECORD_CHARS,
} from './splitter';

const FIX = path.resolve(__dirname, '../fixtures');
const bytes = (name: string) => fs.readFileSync(path.join(FIX, name));

async function read(input: Buffer | string, encoding: Encoding = 'utf-8', delimiter: ',' | ';' | '\t' | '|' = ',') {
  const out: CsvItem[] = [];
  for await (const item of readCsv(Readable.from([Buffer.from(input)]), { encoding, delimiter })) out.push(item);
  return out;
}
const fieldsOf = (items: CsvItem[]) => items.map((i) => (isLineError(i) ? i : i.fields));

describe('readCsv on csv-spectrum', () => {
  const names = fs
    .readdirSync(path.join(FIX, 'csv-spectrum'))
    .filter((f) => f.endsWith('.csv'))
    .map((f) => f.replace(/\.csv$/, ''))
    // Its expected JSON names another phone number than its CSV, and its bare quotes inside an unquoted field
    // are what we reject as broken quoting (tested below).
    .filter((n) => n !== 'location_coordinates');

  it.each(names)('%s reads as the suite expects', async (name) => {
    const raw = bytes(`csv-spectrum/${name}.csv`);
    const items = await read(raw, sniffEncoding(raw));
    const parsed = JSON.parse(bytes(`csv-spectrum/${name}.json`).toString('utf8')) as Record<string, string>[];
    const expected = Array.isArray(parsed) ? parsed : [parsed];
    const [header, ...rows] = items.map((i) => (isLineError(i) ? [] : i.fields));
    const objects = rows.map((r) => Object.fromEntries(header!.map((h, k) => [h, r[k] ?? ''])));
    // We trim values, as the product promises; the suite keeps outer spaces.
    const trimmed = expected.map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.trim(), v.trim()])));
    expect(objects).toEqual(trimmed);
  });
});

describe('readCsv line handling', () => {
  it('numbers each record by the line it starts on, across quoted line breaks and blank lines', async () => {
    const items = await read('a,b\r\n\r\n"multi\r\nline",x\r\nc,d\r\n');
    expect(items).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['multi\r\nline', 'x'] },
      { line: 5, fields: ['c', 'd'] },
    ]);
  });

  it('reads CR-only line ends (classic Mac)', async () => {
    expect(fieldsOf(await read(bytes('csvkit/mac_newlines.csv')))).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
      ['Once upon\ra time', '5', '6'],
    ]);
  });

  it('keeps ragged rows as they are', async () => {
    expect(fieldsOf(await read(bytes('csvkit/bad.csv')))[1]).toEqual(['1', '27', '', "I'm too long!"]);
  });

  it('reports broken quoting with its line and goes on', async () => {
    const items = await read('ref,code\nA,"unclosed\nB,2\nbad"q,3\n');
    expect(items[0]).toEqual({ line: 1, fields: ['ref', 'code'] });
    expect(items.slice(1).some((i) => isLineError(i) && /broken quoting/.test(i.error))).toBe(true);
  });

  it('rejects a bare quote inside an unquoted field (csv-spectrum location_coordinates)', async () => {
    const items = await read(bytes('csv-spectrum/location_coordinates.csv'));
    expect(items[0]).toEqual({
      line: 1,
      fields: ['Contact Phone Number', 'Location Coordinates', 'Cities', 'Counties'],
    });
    expect(items[1]).toEqual({
      line: 2,
      column: 2,
      value: `37\uFFFD36'37.8"N 121\uFFFD2'17.9"W`,
      error: expect.stringMatching(/^broken quoting/),
    });
  });

  it('trims values', async () => {
    expect(fieldsOf(await read('  a , "b"  \n'))).toEqual([['a', 'b']]);
  });
});

describe('encodings', () => {
  it.each([
    ['csvkit/test_utf16_little.csv', 'utf-16le'],
    ['csvkit/test_utf16_big.csv', 'utf-16be'],
    ['csvkit/test_utf8_bom.csv', 'utf-8'],
  ] as const)('%s is recognised by its byte-order mark and read', async (file, encoding) => {
    const first =
      fs.readFileSync(path.join(FIX, 'csvkit/test_utf8_bom.csv'), 'utf8') && file.includes('bom')
        ? ['foo', 'bar', 'baz']
        : ['a', 'b', 'c'];
    const b = bytes(file);
    expect(sniffEncoding(b.subarray(0, 4096))).toBe(encoding);
    const rows = fieldsOf(await read(b, encoding));
    expect(rows[0]).toEqual(first);
    expect(JSON.stringify(rows)).not.toContain('\uFEFF');
  });

  it('takes a sample that is not UTF-8 for Windows-1252 and reads it so', async () => {
    const b = bytes('csvkit/test_latin1.csv');
    expect(sniffEncoding(b)).toBe('windows-1252');
    expect(fieldsOf(await read(b, 'windows-1252')).at(-1)).toEqual(['4', '5', '©']);
  });

  it('reads a DOS (CP437 / CP850) file when told, and refuses it as UTF-8', async () => {
    const b = bytes('classicmodels-sales-cp437.csv');
    for (const encoding of ['cp437', 'cp850'] as const) {
      const rows = fieldsOf(await read(b, encoding)) as string[][];
      expect(rows).toHaveLength(2824);
      expect(rows.find((r) => r[13] === 'Cruz & Sons Co.')).toBeDefined();
      expect(rows.some((r) => r[15] === 'Berguvsvägen  8')).toBe(true);
      expect(rows.some((r) => r[14]?.includes('Martín') || r[22] === 'Martín' || r[23] === 'Martín')).toBe(true);
    }
    expect(sniffEncoding(b)).toBe('cp437');
    const err = await read(b, 'utf-8').catch((e) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect(err.message).toMatch(/^The upload can't be read as utf-8: line \d+: bytes 0x/);
  });

  it('fails on bytes that are not valid in the declared encoding, naming line and byte', async () => {
    const err = await read(Buffer.concat([Buffer.from('a,b\nc,d\ne,'), Buffer.from([0xa9]), Buffer.from('\n')])).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(DecodeError);
    expect(err.message).toBe(
      "The upload can't be read as utf-8: line 3: bytes 0xA9 0x0A (at byte 10) are not valid utf-8; if the file was saved by Excel or an older system, send it with encoding=windows-1252 (or cp437 / cp850 for DOS files).",
    );
  });
});

describe('sniffing', () => {
  it.each([
    ['a;b;c\n1;2;3\n', ';'],
    ['a\tb\n1\t2\n', '\t'],
    ['a|b\n1|2\n', '|'],
    ['a,b\n"x;y",2\n', ','],
    ['single\ncolumn\n', ','],
    // A quoted field holding a line break (and a semicolon) stays in its record: split by lines, the second half
    // of the address looked like a line with no semicolon outside quotes, and the sample was read as comma-separated.
    ['number;name;line1;city\r\nE1;"Müller; Söhne";"Hauptstr. 1\r\nHinterhaus";München\r\nE2;Noir;;Paris\r\n', ';'],
    ['a;b\n1;2\n3;"cut in the mid', ';'],
    ['a;b;c', ';'],
  ])('finds the delimiter of %j', (sample, d) => {
    expect(sniffDelimiter(sample)).toBe(d);
  });

  it('reads the semicolon fixture', () => {
    expect(sniffDelimiter(bytes('csvkit/sniff_limit.csv').toString('utf8'))).toBe(';');
  });

  it('refuses binary and empty files', () => {
    expect(() => assertTextual(bytes('csvkit/null_byte.csv'), 'utf-8')).toThrow(NotCsvError);
    expect(() => assertTextual(Buffer.alloc(0), 'utf-8')).toThrow('the file is empty');
    expect(() => assertTextual(Buffer.from([0xef, 0xbb, 0xbf]), 'utf-8')).toThrow('the file is empty');
  });

  it('knows a workbook by its first bytes, and says so', () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]);
    const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x00]);
    expect([zip, xls, Buffer.from('PK,a\n1,2\n')].map(workbookKind)).toEqual(['zip', 'xls', null]);
    expect(() => assertTextual(zip, 'utf-8')).toThrow(/spreadsheet workbook \(XLSX\) or another ZIP archive/);
    expect(() => assertTextual(xls, 'windows-1252')).toThrow(/an Excel 97–2003 workbook \(.xls\), not CSV text/);
  });
});

describe('CsvSplitter across chunk boundaries', () => {
  const samples = [
    'a,b\r\n"x\r\ny","q""uote"\r\n\r\nlast,row',
    'a;b\r1;"2;3"\r4;5\r',
    ' a , "b" ,c\n"unclosed,x\nok,1\nbad"q,2\nafter,3\n"x"y,4\nend,5',
    'trailing,comma,\n,,\n"",""\n',
    // Broken records ended by CRLF: a chunk may end between the CR and the LF.
    'bad"q,1\r\nok,2\r\n"x"y,3\r\nend,4\r\n',
  ];
  const split = (text: string, sizes: number[], delimiter = ',') => {
    const s = new CsvSplitter(delimiter);
    const out: CsvItem[] = [];
    let at = 0;
    let k = 0;
    while (at < text.length) {
      const size = sizes[k++ % sizes.length]!;
      for (const batch of s.split(text.slice(at, at + size), false)) out.push(...batch);
      at += size;
    }
    for (const batch of s.split('', true)) out.push(...batch);
    return out;
  };

  it.each(samples)('gives the same records whatever the chunking: %j', (text) => {
    const d = text.startsWith('a;') ? ';' : ',';
    const whole = split(text, [text.length], d);
    for (const sizes of [[1], [2], [3, 1], [5, 7, 1], [64]]) expect(split(text, sizes, d)).toEqual(whole);
  });

  it('reports each kind of broken quoting on its own line, with its column and cell, and resumes', () => {
    const text = ' a , "b" ,c\nok,1\nbad"q,2\nafter,3\n"x"y,4\nend,5\nv,w"z,6\nk,"l" m,7\n"never closed,8\nnext,9\n';
    const out = split(text, [1000]);
    expect(out).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['ok', '1'] },
      {
        line: 3,
        column: 1,
        value: 'bad"q',
        error: expect.stringMatching(/^broken quoting: a quote inside an unquoted field/),
      },
      { line: 4, fields: ['after', '3'] },
      { line: 5, column: 1, value: '"x"y', error: 'broken quoting: text after a closing quote ("y")' },
      { line: 6, fields: ['end', '5'] },
      { line: 7, column: 2, value: 'w"z', error: expect.stringMatching(/^broken quoting: a quote inside/) },
      { line: 8, column: 2, value: '"l" m', error: 'broken quoting: text after a closing quote ("m")' },
      { line: 9, column: 1, value: '"never closed,8', error: 'broken quoting: a quoted field is never closed' },
      // Reading goes on at the line after the quote's, so one stray quote costs one row, not the rest of the file.
      { line: 10, fields: ['next', '9'] },
    ]);
    expect(split('a,b\nc,"d\n', [1000])).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, column: 2, value: '"d', error: 'broken quoting: a quoted field is never closed' },
    ]);
  });

  it('reports a quote not closed within MAX_RECORD_CHARS and reads on from the next line', () => {
    const count = Math.ceil(MAX_RECORD_CHARS / 6) + 10;
    const out = split(`a,b\nX,"stray\n${'row,1\n'.repeat(count)}`, [65_536]);
    expect(out.slice(0, 3)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      {
        line: 2,
        column: 2,
        value: '"stray',
        error: 'broken quoting: a quoted field is never closed within 1,048,576 characters',
      },
      { line: 3, fields: ['row', '1'] },
    ]);
    expect(out).toHaveLength(2 + count);
    expect(out.at(-1)).toEqual({ line: 2 + count, fields: ['row', '1'] });
  });

  it('puts out at most BATCH_ITEMS items a batch, losing none, however many one chunk holds', async () => {
    const rows = 3 * BATCH_ITEMS + 5;
    const text = `a,b\n${Array.from({ length: rows }, (_, i) => `r${i},${i}\n`).join('')}`;
    const lines = (batches: CsvItem[][]) => batches.flat().map((r) => r.line);
    const expected = Array.from({ length: rows + 1 }, (_, i) => i + 1);
    // The whole file in one chunk, finished at once or by a last call with nothing more to read.
    const once = [...new CsvSplitter(',').split(text, true)];
    const splitter = new CsvSplitter(',');
    const later = [...splitter.split(text, false), ...splitter.split('', true)];
    for (const batches of [once, later]) {
      expect(batches.map((b) => b.length)).toEqual([BATCH_ITEMS, BATCH_ITEMS, BATCH_ITEMS, 6]);
      expect(lines(batches)).toEqual(expected);
      expect(batches.at(-1)!.at(-1)).toEqual({ line: rows + 1, fields: [`r${rows - 1}`, String(rows - 1)] });
    }
    // The rows that waited behind a quote never closed come out in bounded batches too.
    const stray = `a,b\nX,"stray\n${'row,1\n'.repeat(Math.ceil(MAX_RECORD_CHARS / 6) + 10)}`;
    const sizes: number[] = [];
    for await (const batch of readCsvBatches(Readable.from([Buffer.from(stray)]), {
      encoding: 'utf-8',
      delimiter: ',',
    }))
      sizes.push(batch.length);
    expect(Math.max(...sizes)).toBe(BATCH_ITEMS);
    expect(sizes.reduce((a, b) => a + b)).toBe(2 + Math.ceil(MAX_RECORD_CHARS / 6) + 10);
  });

  it('fails on a line longer than MAX_RECORD_CHARS outside quotes, naming it', () => {
    const text = `a,b\nok,1\n${'x'.repeat(MAX_RECORD_CHARS + 100_000)}\n`;
    expect(() => split(text, [65_536])).toThrow(CsvLineTooLong);
    expect(() => split(text, [65_536])).toThrow(/line 3 runs past 1,048,576 characters without a line break/);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(split('a,,c,\n"",x\n', [1000])).toEqual([
      { line: 1, fields: ['a', '', 'c', ''] },
      { line: 2, fields: ['', 'x'] },
    ]);
  });
});

describe('readCsvSpans', () => {
  /** The bytes in pieces of the given size, as a file stream might hand them over. */
  const pieces = (bytes: Buffer, size: number) =>
    Readable.from(
      Array.from({ length: Math.ceil(bytes.length / size) }, (_, k) => bytes.subarray(k * size, (k + 1) * size)),
    );

  async function records(bytes: Buffer, encoding: Encoding) {
    const out: CsvItem[] = [];
    for await (const batch of readCsvBatches(pieces(bytes, 7), { encoding, delimiter: ',' }, { offsets: true })) {
      out.push(...batch);
    }
    return out.filter((i) => !isLineError(i)) as { line: number; fields: string[]; start: number; end: number }[];
  }

  async function readAt(bytes: Buffer, encoding: Encoding, spans: { line: number; start: number; end: number }[]) {
    const found: ({ line: number; fields: string[] } | CsvLineError)[] = [];
    for await (const batch of readCsvSpans(
      pieces(bytes, 5),
      { encoding, delimiter: ',' },
      Readable.from([spans]) as AsyncIterable<typeof spans>,
    )) {
      found.push(...batch.map(({ span, ...r }) => ({ line: span.line, ...r })));
    }
    return found;
  }

  const text =
    '\ufeffnumber,name,note\r\nA1,"Smith, Jo","two\r\nlines"\r\n\r\nA2,Brøndby ✓,plain\r\n' +
    'bad"quote,x,y\r\n  A3 , "say ""hi""" ,\r\nA4,last,no line end';

  it('splits again exactly the records it is pointed at, wherever the pieces of the file break', async () => {
    const bytes = Buffer.from(text);
    const all = await records(bytes, 'utf-8');
    expect(all.map((r) => r.fields[0])).toEqual(['number', 'A1', 'A2', 'A3', 'A4']);
    const some = all.filter((r) => ['A1', 'A3', 'A4'].includes(r.fields[0]!));
    const again = await readAt(bytes, 'utf-8', some);
    expect(again).toEqual(some.map(({ line, fields }) => ({ line, fields })));
    expect(again).toEqual([
      { line: 2, fields: ['A1', 'Smith, Jo', 'two\r\nlines'] },
      { line: 7, fields: ['A3', 'say "hi"', ''] },
      { line: 8, fields: ['A4', 'last', 'no line end'] },
    ]);
  });

  it('splits only the columns asked for once told, passing over the rest, with the same spans and texts', async () => {
    const bytes = Buffer.from(`${text}\r\nA5,x"y"z,w\r\nA6,"p\r\nq",r`);
    const dialect = { encoding: 'utf-8', delimiter: ',' } as const;
    const columns = { upTo: Number.POSITIVE_INFINITY };
    const read: CsvItem[] = [];
    for await (const batch of readCsvBatches(pieces(bytes, 40), dialect, { offsets: true, columns })) {
      read.push(...batch);
      columns.upTo = 0;
    }
    const full: CsvItem[] = [];
    for await (const batch of readCsvBatches(pieces(bytes, 40), dialect, { offsets: true })) full.push(...batch);
    const lines = (items: CsvItem[]) =>
      items.map((i) => (isLineError(i) ? `${i.line}: error` : `${i.line}: ${i.text}`));
    // A5's broken quoting is past the first column: passed over, it is a record here and an error in full.
    expect(lines(full)).toContain('9: error');
    expect(lines(read)).toEqual(lines(full).map((l) => (l === '9: error' ? '9: A5,x"y"z,w' : l)));
    const record = (n: string) => read.find((i) => !isLineError(i) && i.fields[0] === n) as Required<CsvRecord>;
    expect(record('A6').fields).toEqual(['A6', 'p\r\nq', 'r']); // a quoted line break: split, not passed over
    expect(record('A3')).toMatchObject({ line: 7, fields: ['A3'], text: '  A3 , "say ""hi""" ,' });
    expect(await readAt(bytes, 'utf-8', [record('A3'), record('A5')])).toEqual([
      { line: 7, fields: ['A3', 'say "hi"', ''] },
      {
        line: 9,
        column: 2,
        value: 'x"y"z',
        error: expect.stringMatching(/^broken quoting: a quote inside an unquoted field/),
      },
    ]);
  });

  it('counts offsets in decoded text, so a single-byte code page reads back the same', async () => {
    const bytes = iconv.encode('n,name\nB1,Ñandú ░\nB2,"x\ny"\nB3,Ça\n', 'cp437');
    const all = await records(bytes, 'cp437');
    expect(await readAt(bytes, 'cp437', [all[1]!, all[3]!])).toEqual([
      { line: 2, fields: ['B1', 'Ñandú ░'] },
      { line: 5, fields: ['B3', 'Ça'] },
    ]);
  });

  it('fails when a span is not one record of the file', async () => {
    const bytes = Buffer.from(text);
    await expect(readAt(bytes, 'utf-8', [{ line: 1, start: 0, end: 30 }])).rejects.toThrow('a span is not one record');
    await expect(readAt(bytes, 'utf-8', [{ line: 9, start: 500, end: 510 }])).rejects.toThrow(
      'the file ends before 500',
    );
  });
});
