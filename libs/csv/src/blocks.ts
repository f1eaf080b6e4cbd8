/**
 * Decoded CSV text cut into blocks that can be split apart from each other: each block but the last ends just
 * after a line break that lies outside quotes, counting every quote as opening or closing a quoted field. That is
 * where a record ends in a well-formed file; in a file with broken quoting the guess can be wrong, so whoever
 * splits a block apart from the others must check that it ended between records (see `CsvSplitter.idle`).
 */
export interface TextBlock {
  text: string;
  /** Line feeds in `text`: the lines it moves a reader on, unless the file ends lines with a bare CR. */
  lineFeeds: number;
  /** False when no such line break was found within the size limit: the block ends wherever the text did. */
  cut: boolean;
  /** The end of the file. */
  last: boolean;
}

const QUOTE = '"';
const LF = '\n';

/** Where a block of `s` may end: just after its last line feed outside quotes, or -1 when it has none. */
export function lastCut(s: string): number {
  let cut = -1;
  let from = 0; // start of the stretch outside quotes
  for (;;) {
    const open = s.indexOf(QUOTE, from);
    const outsideEnd = open === -1 ? s.length : open;
    const lf = s.lastIndexOf(LF, outsideEnd - 1);
    if (lf >= from) cut = lf + 1;
    if (open === -1) return cut;
    const close = s.indexOf(QUOTE, open + 1);
    if (close === -1) return cut;
    from = close + 1;
  }
}

function lineFeedsIn(s: string): number {
  let n = 0;
  for (let i = s.indexOf(LF); i !== -1; i = s.indexOf(LF, i + 1)) n++;
  return n;
}

/**
 * Gathers decoded text into blocks of about `size` characters (at most `4 * size` when looking for a place to
 * cut; a block that finds none is given with `cut: false`).
 */
export async function* textBlocks(text: AsyncIterable<string>, size: number): AsyncGenerator<TextBlock> {
  let pending = '';
  const block = (t: string, cut: boolean, last: boolean): TextBlock => ({
    text: t,
    lineFeeds: lineFeedsIn(t),
    cut,
    last,
  });
  for await (const chunk of text) {
    pending += chunk;
    if (pending.length < size) continue;
    const at = lastCut(pending);
    if (at > 0) {
      yield block(pending.slice(0, at), true, false);
      pending = pending.slice(at);
    } else if (pending.length >= 4 * size) {
      yield block(pending, false, false);
      pending = '';
    }
  }
  yield block(pending, true, true);
}
