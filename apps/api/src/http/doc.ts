/** Small builders for the OpenAPI parts of route definitions, so each route says only what is its own. */

/** A reference to a shared component, e.g. `ref('responses/Error')`. */
export const ref = (name: string) => ({ $ref: `#/components/${name}` });

/** A JSON response with a description. */
export const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});

/** A JSON request body. */
export const jsonBody = { content: { 'application/json': { schema: { type: 'object' } } } };

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
