import { type CsvItem, type CsvSplitter, isLineError } from '@customer-hub/csv';
import { type Layout, layoutOf } from './layout';
import { type Blank, RowStager } from './staging';

/**
 * Characters of text split and staged at a time: a few hundred rows, whose records and lines die young (a
 * megabyte's worth at once outlived the young generation, and collecting it took a third of the time).
 */
const PIECE = 1 << 16;

/** How a file's rows are staged: the parameters of the import that shape a staging row. */
export interface StagingSpec {
  keyColumn?: string;
  blank: Blank;
  separator: string;
  deleting: boolean;
}

/** A row that does not go into staging, or a warning: what goes into the error report. */
export interface RowProblem {
  line: number;
  column: string;
  value: string;
  message: string;
}

/** Some of a file's rows, staged: their COPY lines (as text, or as UTF-8 bytes), and the rows that were not. */
export interface StagedBatch {
  copy: string[] | Uint8Array;
  problems: RowProblem[];
  /** Records and unreadable lines read, the header included. */
  items: number;
}

/**
 * Stages a file's records in order: the first is the header, whose layout stages the rest. A header that is not
 * usable throws the LayoutError of {@link layoutOf} (its line is `headerLine`); unknown columns become warnings.
 */
export class ItemStager {
  layout: Layout | null = null;
  header: string[] = [];
  headerLine = 0;
  private stager: RowStager | null = null;

  constructor(readonly spec: StagingSpec) {}

  /** An ItemStager past the given header (a staging thread's: its job's thread has read the header). */
  static after(header: string[], spec: StagingSpec): ItemStager {
    const s = new ItemStager(spec);
    s.useHeader(header);
    return s;
  }

  private useHeader(fields: string[]): RowProblem[] {
    this.layout = layoutOf(fields, this.spec.keyColumn);
    this.header = fields;
    this.stager = new RowStager(this.layout, fields, this.spec);
    return this.layout.unknown.map((u) => ({
      line: this.headerLine,
      column: `${u.index + 1} (${u.header})`,
      value: u.header,
      message: 'warning: unknown column, ignored',
    }));
  }

  stage(items: CsvItem[]): StagedBatch {
    const copy: string[] = [];
    const problems: RowProblem[] = [];
    for (const item of items) {
      if (isLineError(item)) {
        problems.push({ line: item.line, column: '', value: '', message: item.error });
        continue;
      }
      if (!this.stager) {
        this.headerLine = item.line;
        problems.push(...this.useHeader(item.fields));
        continue;
      }
      const staged = this.stager.stage(item.line, item.fields);
      if (Array.isArray(staged)) copy.push(this.stager.copyLine(staged));
      else problems.push({ line: item.line, ...staged });
    }
    return { copy, problems, items: items.length };
  }

  /** Splits `text` (the next of a file's text; `last` ends it) with `splitter` and stages it, a piece at a time. */
  *stageText(splitter: CsvSplitter, text: string, last: boolean): Generator<StagedBatch> {
    let at = 0;
    do {
      const end = Math.min(at + PIECE, text.length);
      const out: CsvItem[] = [];
      splitter.push(text.slice(at, end), last && end === text.length, out);
      yield this.stage(out);
      at = end;
    } while (at < text.length);
  }
}
