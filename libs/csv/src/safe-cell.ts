/**
 * Neutralises a cell a spreadsheet would run as a formula (OWASP's CSV injection advice): a value starting with
 * = + - @ tab or carriage return gets a leading apostrophe. Plain negative numbers are left alone. A value that
 * already starts with apostrophes before one of those gets one more, so taking one apostrophe off such a cell
 * (as the customer import does) always gives back the value itself.
 */
export function safeCell(value: string): string {
  if (value === '' || !/^'*[=+\-@\t\r]/.test(value)) return value;
  if (/^[+-]?\d+([.,]\d+)?$/.test(value)) return value;
  return `'${value}`;
}

/** The same rule in SQL, for exports written by COPY; the cheap first-character test runs first. */
export const safeCellSql = (expr: string) =>
  `CASE WHEN left(${expr}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r', '''') AND ${expr} ~ E'^''*[-=+@\\t\\r]' ` +
  `AND ${expr} !~ '^[+-]?[0-9]+([.,][0-9]+)?$' THEN '''' || ${expr} ELSE ${expr} END`;

/**
 * A value for a cell written as text, which no spreadsheet runs (an XLSX string cell): as it is, but for one
 * whose apostrophes come before = + - @ tab or carriage return, which gets one more. An import takes one such
 * apostrophe off any cell (a CSV export's, or one a spreadsheet saved after opening it), so it reads back the same.
 */
export const textCell = (value: string) => (/^'+[=+\-@\t\r]/.test(value) ? `'${value}` : value);
