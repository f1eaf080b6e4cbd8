import { TextDecoder } from 'node:util';
import { bomOf, type Encoding } from './decode';

export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/** Why a file can't be read as CSV at all (fails the whole job at once). */
export class NotCsvError extends Error {
  override name = 'NotCsvError';
  /** Bad input for a whole job: the worker fails it at once, without retries. */
  readonly badInput = true;
  constructor(readonly reason: string) {
    super(`The upload is not a CSV file: ${reason}.`);
  }
}

/** Is this a valid UTF-8 prefix (a character cut at the very end is allowed)? */
function looksUtf8(head: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

const isAsciiLetter = (b: number | undefined) => b !== undefined && (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a;

/**
 * Windows-1252 or DOS (CP437/CP850) for a sample that is not UTF-8, judged by the bytes inside words: DOS keeps
 * its accented letters at 0x80–0xA5 ("Berguvsv\x84gen"), where Windows-1252 has punctuation that never sits
 * between two letters; Windows-1252's letters are at 0xC0–0xFF, where DOS draws boxes.
 */
function singleByteEncodingOf(head: Uint8Array): Encoding {
  let dos = 0;
  let windows = 0;
  for (let i = 1; i < head.length - 1; i++) {
    const b = head[i]!;
    if (b < 0x80 || !isAsciiLetter(head[i - 1]) || !isAsciiLetter(head[i + 1])) continue;
    if (b <= 0xa5) dos++;
    else if (b >= 0xc0) windows++;
  }
  return dos > windows ? 'cp437' : 'windows-1252';
}

/**
 * Encoding from a byte-order mark, else UTF-8 if the sample is valid UTF-8, else Windows-1252 or, when the
 * letters inside words say so, CP437 (DOS).
 */
export function sniffEncoding(head: Uint8Array): Encoding {
  const bom = bomOf(head);
  if (bom) return bom.encoding;
  return looksUtf8(head) ? 'utf-8' : singleByteEncodingOf(head);
}

/**
 * The spreadsheet file a file's first bytes show, if any: a ZIP archive (an XLSX or ODS workbook) or an OLE2
 * compound file (an Excel 97–2003 .xls workbook).
 */
export function workbookKind(head: Uint8Array): 'zip' | 'xls' | null {
  const starts = (sig: number[]) => sig.every((b, i) => head[i] === b);
  if (starts([0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (starts([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'xls';
  return null;
}

/** Refuses what is plainly not a text table: empty, a workbook, or binary (NUL bytes where text has none). */
export function assertTextual(head: Uint8Array, encoding: Encoding): void {
  if (head.length === 0 || (head.length <= 3 && bomOf(head))) throw new NotCsvError('the file is empty');
  const workbook = workbookKind(head);
  if (workbook) {
    throw new NotCsvError(
      `the file is ${workbook === 'zip' ? 'a spreadsheet workbook (XLSX) or another ZIP archive' : 'an Excel 97–2003 workbook (.xls)'}, ` +
        'not CSV text; export it from your spreadsheet as CSV',
    );
  }
  if (encoding.startsWith('utf-16')) return;
  const nul = head.indexOf(0);
  if (nul !== -1) {
    throw new NotCsvError(
      `the file is not a CSV text file: it holds binary data (a NUL byte at byte ${nul}); ` +
        'export it from your spreadsheet as CSV',
    );
  }
}

/**
 * How many times each delimiter splits each of the sample's first records, outside quotes. A record ends at a
 * line break outside quotes, so a quoted field that holds one (an address typed on two lines) stays in its
 * record; blank lines are skipped, and a last record the sample ends inside is left out when there are others.
 */
function delimiterCounts(sample: string, records = 20): Record<Delimiter, number>[] {
  const fresh = () => Object.fromEntries(DELIMITERS.map((d) => [d, 0])) as Record<Delimiter, number>;
  const counted: Record<Delimiter, number>[] = [];
  let counts = fresh();
  let quoted = false;
  let blank = true;
  for (const ch of sample) {
    if (ch === '"') {
      quoted = !quoted;
      blank = false;
    } else if (!quoted && (ch === '\n' || ch === '\r')) {
      if (!blank) counted.push(counts);
      if (counted.length === records) return counted;
      counts = fresh();
      blank = true;
    } else {
      if (!quoted && ch in counts) counts[ch as Delimiter]++;
      if (blank && ch.trim() !== '') blank = false;
    }
  }
  if (!blank && counted.length === 0) counted.push(counts);
  return counted;
}

/** The delimiter that splits the first records most consistently (`,` when none does). */
export function sniffDelimiter(sample: string): Delimiter {
  const records = delimiterCounts(sample);
  let best: Delimiter = ',';
  let bestScore = 0;
  for (const d of DELIMITERS) {
    const counts = records.map((r) => r[d]);
    const min = Math.min(...counts);
    const score = min > 0 ? min * 10 + counts.filter((c) => c === counts[0]).length : 0;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}
