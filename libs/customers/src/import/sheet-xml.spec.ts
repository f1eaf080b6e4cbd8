import { decodeXml, elements, rowCells, runsText } from './sheet-xml';

/** The text cut into chunks of `size` bytes, so elements, tags and multi-byte characters fall across them. */
async function* chunked(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const collect = async (gen: AsyncIterable<string>) => {
  const out: string[] = [];
  for await (const x of gen) out.push(x);
  return out;
};

const SHEET =
  '<worksheet><cols><col min="1" max="2"/></cols><sheetData>' +
  '<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>Zürich &amp; Co</t></is></c></row>' +
  '<row r="2"/>' +
  '<row r="4"><c r="B4" s="3"><v>0.5</v></c></row>' +
  '<row r="5"></row>' +
  '</sheetData><rowBreaks/></worksheet>';

it('cuts out every whole element, however the text is chunked', async () => {
  const expected = [
    '<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>Zürich &amp; Co</t></is></c></row>',
    '<row r="2"/>',
    '<row r="4"><c r="B4" s="3"><v>0.5</v></c></row>',
    '<row r="5"></row>',
  ];
  for (const size of [1, 2, 3, 7, 64, 100_000]) {
    expect(await collect(elements(chunked(SHEET, size), 'row'))).toEqual(expected);
  }
});

it('reads a row: its number, and each cell with its column, type, style and value', () => {
  expect(rowCells('<row r="4"><c r="B4" s="3"><v>0.5</v></c><c r="AB4" t="b"><v>1</v></c></row>', 2)).toEqual({
    number: 4,
    cells: [
      { column: 2, type: 'n', style: 3, value: '0.5', inline: null },
      { column: 28, type: 'b', style: 0, value: '1', inline: null },
    ],
  });
  // Rows and cells may leave out their references: they follow the previous ones.
  expect(rowCells('<row><c><v>1</v></c><c t="str"><f>A1</f><v>x</v></c><c s="1"/></row>', 7)).toEqual({
    number: 8,
    cells: [
      { column: 1, type: 'n', style: 0, value: '1', inline: null },
      { column: 2, type: 'str', style: 0, value: 'x', inline: null },
      { column: 3, type: 'n', style: 1, value: null, inline: null },
    ],
  });
});

it('reads only the r, t and s attributes, wherever they stand and however they are spaced', () => {
  const row = '<row r="7"><c cm="1"\n\tt="str"  s="12" r="C7" vm="2"><f>A1</f><v>x</v></c></row>';
  expect(rowCells(row, 6).cells).toEqual([{ column: 3, type: 'str', style: 12, value: 'x', inline: null }]);
});

it('says so when a cell does not end, rather than reading on', () => {
  expect(() => rowCells('<row r="3"><c r="A3"><v>1</v></row>', 2)).toThrow('row 3 has a cell that does not end');
  expect(() => rowCells('<row r="3"><c r="A3><v>1</v></c></row>', 2)).toThrow('row 3 has a cell that does not end');
});

it('joins text runs, leaving out phonetic guides, and decodes entities once', () => {
  expect(runsText('<t>plain</t>')).toBe('plain');
  expect(runsText('<r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> and &lt;not&gt;</t></r>')).toBe(
    'Bold and <not>',
  );
  expect(runsText('<t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/>')).toBe('東京');
  expect(runsText('<t/>')).toBe('');
  expect(runsText('<t>a</t><rPh sb="0" eb="1"><t>x</t></rPh><t>b</t><rPh><t>y</t></rPh><t>c</t>')).toBe('abc');
  // Cut short: the runs before the break, nothing after it.
  expect(runsText('<t>kept</t><rPh><t>guide that never ends</t>')).toBe('kept');
  expect(runsText('<t>kept</t><t>no end')).toBe('kept');
  expect(decodeXml('&amp;lt; &#38; &#x1F600; &quot;&apos;')).toBe('&lt; & 😀 "\'');
});
