import { z } from 'zod';

/** Small builders for the OpenAPI parts of route definitions, so each route says only what is its own. */

/** A reference to a shared component, e.g. `ref('responses/Error')`. */
export const ref = (name: string) => ({ $ref: `#/components/${name}` });

/** A reference to a schema of the document's components, e.g. `schema('Customer')`. */
export const schema = (name: string) => ref(`schemas/${name}`);

/** `{ items: [...] }`: a whole list of `item`. */
export const listOf = (item: object) => ({
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: item } },
});

/** `{ items: [...], nextCursor }`: a page of `item`, and the cursor of the next page (null on the last). */
export const pageOf = (item: object) => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: item }, nextCursor: { type: ['string', 'null'] } },
});

/** A JSON response with a description, and its schema where the document has one. */
export const json = (description: string, schema: object = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

/**
 * The JSON Schema of what a request may send, made from the zod schema its handler parses with (so the
 * document says what the code checks: fields, types, limits, enums, required ones).
 */
export const inputSchema = (schema: z.ZodType) => jsonSchemaOf(schema, 'input');

/** The JSON Schema of what a response holds, from the zod schema its presenter's return type is. */
export const outputSchema = (schema: z.ZodType) => jsonSchemaOf(schema, 'output');

/**
 * Query parameters, one per field of the zod object schema the handler parses the query with: its type and
 * limits, its description (`.meta`), and whether it may be left out.
 */
export const queryParameters = (schema: z.ZodObject) =>
  Object.entries(schema.shape).map(([name, field]) => {
    const { description, ...type } = inputSchema(field);
    return {
      name,
      in: 'query',
      ...(field.safeParse(undefined).success ? {} : { required: true }),
      ...(description ? { description } : {}),
      schema: type,
    };
  });

/** A JSON request body, as the zod schema its handler parses it with. */
export const jsonBody = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: inputSchema(schema) } },
});

/** A required string path parameter. */
export const pathParam = (name: string, description?: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  ...(description ? { description } : {}),
});

/** The `:ref` path parameter of customer routes. */
export const customerRefParam = pathParam('ref', 'Customer number');
