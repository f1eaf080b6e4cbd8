/** The file's columns as the import's problems name them: its header, and whether it is a workbook's. */
export interface FileColumns {
  header: string[];
  workbook: boolean;
}

/** Where column `i` is: its number in a CSV, its letters in a workbook (C, AA), as a spreadsheet shows it. */
export function columnPosition(i: number, workbook: boolean): string {
  if (!workbook) return String(i + 1);
  let letters = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * How a problem names the file's column `i`: where it is and its header (`3 (email)`; a workbook's `C (email)`),
 * or where it is alone for a column without a header.
 */
export function columnLabel({ header, workbook }: FileColumns, i: number): string {
  const name = header[i]?.trim();
  return name ? `${columnPosition(i, workbook)} (${name})` : columnPosition(i, workbook);
}
