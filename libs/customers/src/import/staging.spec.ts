import { copyLine } from '@customer-hub/db';
import { columnPosition } from './columns';
import { layoutOf } from './layout';
import { RowStager } from './staging';
import { STAGED_COLUMNS } from './staging-table';

const HEADER = ['customer_number', 'name', 'billing_line1', 'billing_city', 'contact1_phones', 'custom:route'];

/** The staged row as column → value, for reading the assertions. */
function stage(fields: string[], blank: 'ignore' | 'clear' = 'ignore') {
  const stager = new RowStager(layoutOf(HEADER), HEADER, { blank, separator: '|', deleting: false });
  const row = stager.stage(2, fields);
  if (!Array.isArray(row)) throw new Error(`rejected: ${JSON.stringify(row.problems)}`);
  return Object.fromEntries(['line', 'number', ...STAGED_COLUMNS].map((c, i) => [c, row[i]]));
}

describe('RowStager', () => {
  it('writes structured parts as JSON that keeps quotes, backslashes, tabs and line breaks', () => {
    const awkward = 'Unit "B"\\2\tBay\nRear';
    const row = stage(['C1', 'Acme', awkward, 'Zürich', ' 0113 | "07700"\\1 |', 'R"7']);
    expect(JSON.parse(row.billing_set!)).toEqual({ line1: awkward, city: 'Zürich' });
    expect(JSON.parse(row.contact1_set!)).toEqual({ phones: ['0113', '"07700"\\1'] });
    expect(JSON.parse(row.custom_set!)).toEqual({ route: 'R"7' });
    expect(row.billing_clear).toBeNull();
  });

  it('keeps a line break in a cell as one LF, however the file wrote it', () => {
    const row = stage(['C1', 'Acme\r\nLtd', 'Hauptstr. 1\r\nHinterhaus', 'Old\rTown', '', '']);
    expect([row.name, JSON.parse(row.billing_set!)]).toEqual([
      'Acme\nLtd',
      { line1: 'Hauptstr. 1\nHinterhaus', city: 'Old\nTown' },
    ]);
  });

  it('leaves blank parts out with blank=ignore and lists them to clear with blank=clear', () => {
    const ignore = stage(['C1', 'Acme', '', 'Leeds', '', '']);
    expect(JSON.parse(ignore.billing_set!)).toEqual({ city: 'Leeds' });
    expect([ignore.billing_clear, ignore.contact1_set, ignore.custom_set]).toEqual([null, null, null]);

    const clear = stage(['C1', 'Acme', '', 'Leeds', '', ''], 'clear');
    expect(JSON.parse(clear.billing_set!)).toEqual({ city: 'Leeds' });
    expect(clear.billing_clear).toBe('{"line1"}');
    expect([clear.contact1_set, clear.contact1_clear, clear.custom_clear]).toEqual([null, '{"phones"}', '{"route"}']);
  });

  it("takes one apostrophe off a formula-safe cell's, and only there", () => {
    const row = stage(['C1', "'=Acme", "''+1 Main St", "'plain", "'-3", "'@x"]);
    expect([row.name, JSON.parse(row.billing_set!)]).toEqual(['=Acme', { line1: "'+1 Main St", city: "'plain" }]);
    expect([JSON.parse(row.contact1_set!), JSON.parse(row.custom_set!)]).toEqual([{ phones: ['-3'] }, { route: '@x' }]);
  });

  it('rejects a part with a control character, naming its column', () => {
    const stager = new RowStager(layoutOf(HEADER), HEADER, {
      blank: 'ignore',
      separator: '|',
      deleting: false,
    });
    expect(stager.stage(7, ['C1', 'Acme', 'a\u0007b', '', '', ''])).toEqual({
      number: 'C1',
      problems: [
        { column: '3 (billing_line1)', value: 'a\u0007b', message: 'billing_line1 contains a control character' },
      ],
    });
  });

  it('reports every problem of a row, and a cell past the header (an empty one there is no problem)', () => {
    const header = ['customer_number', 'portal_access', 'cutoff_time', 'delivery_days', 'billing_line1'];
    const stager = new RowStager(layoutOf(header), header, { blank: 'ignore', separator: '|', deleting: false });
    expect(stager.stage(4, ['', 'maybe', '25:00', 'mon', 'a\u0007b', 'Leeds', ''])).toEqual({
      problems: [
        { column: '1 (customer_number)', value: '', message: 'customer number is empty' },
        {
          column: '6 (no header)',
          value: 'Leeds',
          message:
            'the row has 7 cells and the header 5: this one has no column (a separator inside an unquoted value?)',
        },
        { column: '2 (portal_access)', value: 'maybe', message: 'portal_access is not true or false' },
        { column: '3 (cutoff_time)', value: '25:00', message: 'cutoff_time is not a time of day (HH:MM)' },
        { column: '5 (billing_line1)', value: 'a\u0007b', message: 'billing_line1 contains a control character' },
      ],
    });
    expect(Array.isArray(stager.stage(5, ['C1', 'yes', '', '', '', '', ' ']))).toBe(true);
  });

  it('writes the COPY line a generic formatter would, escaping what needs it', () => {
    const header = [...HEADER, 'type', 'labels', 'delivery_days', 'portal_access', 'customer_group', 'first_name'];
    const fields = [
      ['C\\1\t', 'Acme\nNorth', 'a\\b', '', '0113|0114', 'R\t7', 'Consumer', 'vip|b\\c', 'Mon|fri', 'yes', 'G\\1', 'x'],
      ['C2', 'B', '', '', '', '', '', '', '', '', '', ''],
    ];
    for (const blank of ['ignore', 'clear'] as const) {
      for (const deleting of [false, true]) {
        const stager = new RowStager(layoutOf(header), header, { blank, separator: '|', deleting });
        for (const f of fields) {
          const row = stager.stage(3, f, '0123456789abcdef0123456789abcdef');
          if (!Array.isArray(row)) throw new Error(`rejected: ${JSON.stringify(row.problems)}`);
          expect(stager.copyLine(row)).toBe(copyLine(row));
        }
      }
    }
    // The same spelling parsed again (remembered) stages the same value.
    const stager = new RowStager(layoutOf(header), header, {
      blank: 'ignore',
      separator: '|',
      deleting: false,
    });
    const again = [stager.stage(2, fields[0]!), stager.stage(3, fields[0]!)] as string[][];
    // (all but the new customer's id, the digest and the rejected mark, last)
    expect(again[1]!.slice(2, -3)).toEqual(again[0]!.slice(2, -3));
  });

  it('stages a rejected row by its number alone, marked rejected, as a generic formatter would', () => {
    const stager = new RowStager(layoutOf(HEADER), HEADER, { blank: 'ignore', separator: '|', deleting: false });
    const row: (string | null)[] = [9, 'N\t1', ...STAGED_COLUMNS.map((c) => (c === 'rejected' ? 't' : null))].map(
      (v) => (v === null ? null : String(v)),
    );
    expect(stager.numberOnly(9, 'N\t1')).toBe(copyLine(row));
  });
});

it("names a column by its number in a CSV and by a spreadsheet's letters in a workbook", () => {
  expect([0, 2, 25].map((i) => columnPosition(i, false))).toEqual(['1', '3', '26']);
  expect([0, 2, 25, 26, 51, 701, 702, 16383].map((i) => columnPosition(i, true))).toEqual([
    'A',
    'C',
    'Z',
    'AA',
    'AZ',
    'ZZ',
    'AAA',
    'XFD',
  ]);
});
