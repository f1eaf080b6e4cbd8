/** SQL text literal: for the statements COPY runs, which take no bind parameters. */
export const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;
/** SQL identifier, e.g. a CSV header taken from a product data column name. */
export const ident = (v: string) => `"${v.replaceAll('"', '""')}"`;
