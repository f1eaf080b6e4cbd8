import { z } from 'zod';
import { queryParameters } from './doc';

/**
 * The query of a list read in pages: `limit` rows (at most `max`), after the `cursor` the previous page gave as
 * `nextCursor`. No list is cut short without saying so: a full page always comes with the next one's cursor.
 */
export const pageQuery = (max: number, fallback: number) =>
  z.object({
    limit: z.coerce.number().int().min(1).max(max).default(fallback),
    cursor: z.string().max(64).optional().meta({ description: 'nextCursor of the page before' }),
  });

export const pageParameters = (max: number, fallback: number) => queryParameters(pageQuery(max, fallback));

/** Pages of product codes (a catalogue's, a price list's items): most, default. */
export const PRODUCT_PAGE = [10_000, 1000] as const;
