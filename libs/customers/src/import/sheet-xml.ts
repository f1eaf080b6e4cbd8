import { StringDecoder } from 'node:string_decoder';

/**
 * A plain scanner for the two big parts of a workbook, a sheet's rows and the shared strings: both are long runs
 * of one small element (`<row>`, `<si>`), so each element is cut out of the decoded text as a whole and read
 * with `indexOf`, without a SAX event per tag. The small parts (workbook, rels, styles) stay with exceljs.
 */

/**
 * Longest single element held while it is read: a row of 500 cells of Excel's 32,767 characters, and its markup.
 * (Each chunk of a cut element is appended to it, and searching the joined text copies it: keep this small.)
 */
const MAX_ELEMENT_CHARS = 17 * 1024 ** 2;

/**
 * Each whole `<tag …>…</tag>` (or `<tag …/>`) in the XML, in order, as text. An element cut at a chunk's end
 * waits for the next chunk, and the search for its end goes on from where it stopped, not from its start.
 */
export async function* elements(chunks: AsyncIterable<Buffer>, tag: string): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  const open = `<${tag}`;
  const close = `</${tag}>`;
  let text = '';
  // For an element cut short (it then starts `text`): where its open tag ends, and how far it has no end tag.
  let tagEnd = -1;
  let searched = 0;
  for await (const chunk of chunks) {
    text += decoder.write(chunk);
    let from = 0;
    for (;;) {
      const start = findOpen(text, open, from);
      if (start < 0) {
        // Keep only what could be the start of the next element's name.
        from = Math.max(from, text.length - open.length);
        break;
      }
      if (start > 0) {
        tagEnd = -1;
        searched = 0;
      }
      if (tagEnd < 0) tagEnd = text.indexOf('>', start + searched);
      if (tagEnd < 0) {
        searched = text.length - start;
        from = start;
        break;
      }
      if (text.charCodeAt(tagEnd - 1) === 47 /* / */) {
        yield text.slice(start, tagEnd + 1);
        from = tagEnd + 1;
        tagEnd = -1;
        searched = 0;
        continue;
      }
      const end = text.indexOf(close, Math.max(tagEnd, start + searched));
      if (end < 0) {
        searched = Math.max(0, text.length - start - close.length + 1);
        from = start;
        break;
      }
      yield text.slice(start, end + close.length);
      from = end + close.length;
      tagEnd = -1;
      searched = 0;
    }
    if (from > 0) {
      if (tagEnd >= 0) tagEnd -= from;
      text = text.slice(from);
    }
    if (text.length > MAX_ELEMENT_CHARS)
      throw new Error(`a <${tag}> element longer than ${MAX_ELEMENT_CHARS} characters`);
  }
}

/** Where `<tag` starts as a whole name (not `<tagName`) at or after `from`; -1 if nowhere. */
function findOpen(text: string, open: string, from: number): number {
  for (let at = text.indexOf(open, from); at >= 0; at = text.indexOf(open, at + 1)) {
    const next = text.charCodeAt(at + open.length);
    if (next === 32 || next === 62 || next === 47 || next === 9 || next === 10 || next === 13) return at;
    if (Number.isNaN(next)) return -1; // cut at the end of the text: wait for more
  }
  return -1;
}

/**
 * The text of an `<si>` or `<is>`: its `<t>` runs joined, without phonetic guides (`<rPh>`). One pass with
 * `indexOf`, each position looked at a bounded number of times, so no workbook can make it slow.
 */
export function runsText(xml: string): string {
  let out = '';
  let guide = xml.indexOf('<rPh');
  for (let at = findOpen(xml, '<t', 0); at >= 0; at = findOpen(xml, '<t', at)) {
    if (guide >= 0 && guide < at) {
      const end = xml.indexOf('</rPh>', guide);
      if (end < 0) break;
      guide = xml.indexOf('<rPh', end);
      if (at < end) {
        at = end;
        continue;
      }
    }
    const tagEnd = xml.indexOf('>', at);
    if (tagEnd < 0) break;
    if (xml.charCodeAt(tagEnd - 1) === 47 /* <t/> */) {
      at = tagEnd;
      continue;
    }
    const close = xml.indexOf('</t>', tagEnd);
    if (close < 0) break;
    out += xml.slice(tagEnd + 1, close);
    at = close;
  }
  return decodeXml(out);
}

const ENTITY = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(lt|gt|amp|quot|apos));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeXml(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (_, hex: string | undefined, dec: string | undefined, name: string | undefined) =>
    name ? NAMED[name]! : String.fromCodePoint(Number.parseInt(hex ?? dec!, hex ? 16 : 10)),
  );
}

/** One cell as the sheet holds it: its type (`t`), style index (`s`), value (`<v>`) and inline text (`<is>`). */
export interface RawCell {
  column: number;
  type: string;
  style: number;
  value: string | null;
  inline: string | null;
}

const ROW_NUMBER = /\sr="(\d+)"/;
const INLINE = /<is>([\s\S]*?)<\/is>/;

/** The row's number (or the one after `previous` when it has none) and its cells, in order. */
export function rowCells(xml: string, previous: number): { number: number; cells: RawCell[] } {
  const openEnd = xml.indexOf('>');
  const number = Number(ROW_NUMBER.exec(xml.slice(0, openEnd))?.[1] ?? previous + 1);
  const cells: RawCell[] = [];
  let column = 0;
  for (let at = findOpen(xml, '<c', openEnd); at >= 0; at = findOpen(xml, '<c', at)) {
    const tagEnd = xml.indexOf('>', at);
    if (tagEnd < 0) throw new Error(`row ${number} has a cell that does not end`);
    const empty = xml.charCodeAt(tagEnd - 1) === 47; /* / */
    // The attributes that matter are one letter long: r (where), t (type), s (style).
    let type = 'n';
    let style = 0;
    let ref = 0;
    for (let eq = xml.indexOf('="', at); eq >= 0 && eq < tagEnd; eq = xml.indexOf('="', eq + 2)) {
      const end = xml.indexOf('"', eq + 2);
      if (end < 0) throw new Error(`row ${number} has a cell that does not end`);
      if (isSpace(xml.charCodeAt(eq - 2))) {
        const name = xml.charCodeAt(eq - 1);
        if (name === 114 /* r */) ref = columnOf(xml, eq + 2, end);
        else if (name === 116 /* t */) type = xml.slice(eq + 2, end);
        else if (name === 115 /* s */) style = Number(xml.slice(eq + 2, end));
      }
      eq = end - 1;
    }
    column = ref > 0 ? ref : column + 1;
    let value: string | null = null;
    let inline: string | null = null;
    if (empty) at = tagEnd + 1;
    else {
      const close = xml.indexOf('</c>', tagEnd);
      if (close < 0) throw new Error(`row ${number} has a cell that does not end`);
      const body = xml.slice(tagEnd + 1, close);
      const v = findOpen(body, '<v', 0);
      if (v >= 0) {
        const from = body.indexOf('>', v) + 1;
        if (body.charCodeAt(from - 2) !== 47) value = body.slice(from, body.indexOf('</v>', from));
      }
      if (type === 'inlineStr') inline = INLINE.exec(body)?.[1] ?? null;
      at = close + 4;
    }
    cells.push({ column, type, style, value, inline });
  }
  return { number, cells };
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/** The column of a reference held in `text[from, to)`: `C4` → 3, `AB12` → 28. */
function columnOf(text: string, from: number, to: number): number {
  let column = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 65 || c > 90) break;
    column = column * 26 + (c - 64);
  }
  return column;
}
