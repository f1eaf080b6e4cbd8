/** Which page of a list in key order: the rows after the key `after` (the cursor), at most `limit` of them. */
export interface PageRequest {
  after?: string | undefined;
  limit: number;
}

/**
 * A page from rows fetched with `LIMIT limit + 1`: the first `limit`, and the cursor of the next page (the last
 * one's key) when the extra row shows that more follow, else null.
 */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => string) {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? keyOf(items.at(-1)!) : null };
}
