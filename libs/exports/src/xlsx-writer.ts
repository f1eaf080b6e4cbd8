import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import archiver from 'archiver';

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG = 'http://schemas.openxmlformats.org/package/2006';
/** Each write to the zip is a step of its compressor (on the thread pool): writes of a row each would crawl. */
const PIECE = 256 * 1024;
const HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** The workbook's fixed parts: one sheet of text cells, one plain style. */
function fixedParts(sheetName: string): [name: string, xml: string][] {
  const type = (t: string) => `application/vnd.openxmlformats-officedocument.spreadsheetml.${t}+xml`;
  return [
    [
      '[Content_Types].xml',
      `<Types xmlns="${PKG}/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="${type('sheet.main')}"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="${type('worksheet')}"/><Override PartName="/xl/styles.xml" ContentType="${type('styles')}"/></Types>`,
    ],
    [
      '_rels/.rels',
      `<Relationships xmlns="${PKG}/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ],
    [
      'xl/workbook.xml',
      `<workbook xmlns="${NS}" xmlns:r="${REL}"><sheets><sheet name="${escapeXml(sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `<Relationships xmlns="${PKG}/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
    ],
    [
      'xl/styles.xml',
      `<styleSheet xmlns="${NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`,
    ],
  ];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NEEDS_ESCAPE = /[&<>"\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

/** Text as XML character data; characters XML 1.0 cannot hold as Excel writes them (`_x0001_`). */
function escapeXml(s: string): string {
  NEEDS_ESCAPE.lastIndex = 0;
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(NEEDS_ESCAPE, (c) => {
    if (c === '&') return '&amp;';
    if (c === '<') return '&lt;';
    if (c === '>') return '&gt;';
    if (c === '"') return '&quot;';
    return `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`;
  });
}

/** `0` → A, `27` → AB. */
function columnName(i: number): string {
  let name = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/**
 * Writes a workbook of one sheet of text cells (inline strings, which a spreadsheet never runs as formulas) to
 * a stream, row by row, in bounded memory: the sheet's XML goes into the zip only as fast as the zip is
 * compressed and written out ({@link drained} waits for that).
 */
export class XlsxWriter {
  private readonly zip = archiver('zip', { zlib: { level: 6 } });
  private readonly sheet = new PassThrough({ highWaterMark: 1024 * 1024 });
  private readonly done: Promise<void>;
  private readonly columns: string[] = [];
  private rows = 0;
  /** Rows not yet handed to the zip: it gets them in pieces of {@link PIECE} characters, not one by one. */
  private pending = '';

  constructor(out: Writable, sheetName: string) {
    this.done = new Promise((resolve, reject) => {
      out.on('finish', resolve);
      out.on('error', reject);
      this.zip.on('error', reject);
      this.zip.on('warning', reject);
    });
    this.done.catch(() => {}); // awaited in drained() and end(); never left to reject unheard
    this.zip.pipe(out);
    for (const [name, xml] of fixedParts(sheetName)) this.zip.append(HEAD + xml, { name });
    this.zip.append(this.sheet, { name: 'xl/worksheets/sheet1.xml' });
    this.sheet.write(`${HEAD}<worksheet xmlns="${NS}"><sheetData>`);
  }

  /** Adds a row; a null cell is left out (blank). Call {@link drained} now and then. */
  add(cells: readonly (string | null)[]): void {
    const r = ++this.rows;
    let xml = `<row r="${r}">`;
    for (let i = 0; i < cells.length; i++) {
      const text = cells[i];
      if (text === null || text === undefined) continue;
      const ref = (this.columns[i] ?? this.name(i)) + r;
      const space = /^\s|\s$|\n/.test(text) ? ' xml:space="preserve"' : '';
      xml += `<c r="${ref}" t="inlineStr"><is><t${space}>${escapeXml(text)}</t></is></c>`;
    }
    this.pending += `${xml}</row>`;
    if (this.pending.length >= PIECE) {
      this.sheet.write(this.pending);
      this.pending = '';
    }
  }

  private name(i: number): string {
    this.columns[i] = columnName(i);
    return this.columns[i];
  }

  /** Waits while more of the sheet is buffered than the zip has taken. */
  async drained(): Promise<void> {
    if (this.sheet.writableNeedDrain) await Promise.race([once(this.sheet, 'drain'), this.done]);
  }

  /** Ends the sheet and the zip; resolves once everything is written to the stream. */
  async end(): Promise<void> {
    this.sheet.end(`${this.pending}</sheetData></worksheet>`);
    await this.zip.finalize();
    await this.done;
  }

  /** Stops, failing the stream with `err`. */
  abort(err: Error): void {
    this.zip.abort();
    this.sheet.destroy(err);
  }
}
