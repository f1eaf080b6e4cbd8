import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

interface Answer {
  $ref?: string;
  content?: Record<string, { schema?: object } | undefined>;
}
interface Operation {
  responses?: Record<string, Answer | undefined>;
}
type Doc = { paths: Record<string, Record<string, Operation>> } & Record<string, unknown>;

/** A JSON pointer's escaping of one key (`/v1/customers` → `~1v1~1customers`). */
const pointerKey = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Checks answers against the OpenAPI document: the JSON schema it gives for the route's method and status, with
 * its references resolved in the document (JSON Schema 2020-12, as OpenAPI 3.1 has it, formats included).
 */
export function openApiAnswers(doc: Doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'doc');
  const paths = Object.keys(doc.paths).map((path) => ({
    path,
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    params: path.split('{').length - 1,
  }));
  const checked = new Set<string>();

  /** The pointer to the JSON schema documented for an answer, or null where none is. */
  function schemaPointer(path: string, method: string, status: number): string | null {
    const response = doc.paths[path]?.[method]?.responses?.[String(status)];
    if (!response) return null;
    const [base, target] = response.$ref
      ? [response.$ref.slice(1), lookUp(doc, response.$ref) as Answer | undefined]
      : [`/paths/${pointerKey(path)}/${method}/responses/${status}`, response];
    return target?.content?.['application/json']?.schema ? `${base}/content/application~1json/schema` : null;
  }

  return {
    /** The problems of one answer against its documented schema ([] when it conforms); throws if undocumented. */
    problems(method: string, url: string, status: number, body: unknown): string[] {
      const pathname = new URL(url, 'http://hub').pathname;
      // The most specific route: /v1/customers/labels before /v1/customers/{ref}.
      const route = paths.filter((p) => p.pattern.test(pathname)).sort((a, b) => a.params - b.params)[0];
      if (!route) throw new Error(`${method.toUpperCase()} ${pathname} is not in the document`);
      const pointer = schemaPointer(route.path, method, status);
      if (!pointer) throw new Error(`${method.toUpperCase()} ${route.path} documents no JSON answer for ${status}`);
      checked.add(`${method} ${route.path}`);
      const validate = ajv.getSchema(`doc#${pointer}`);
      if (!validate) throw new Error(`no schema at ${pointer}`);
      if (validate(body)) return [];
      return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    },
    /** The operations (`get /v1/customers`) whose answers were checked. */
    checked,
    /** The operations whose 2xx answer the document gives a JSON schema for. */
    withJsonAnswers(): string[] {
      const out: string[] = [];
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          const ok = Object.keys(op.responses ?? {}).filter((s) => /^2/.test(s));
          if (ok.some((s) => schemaPointer(path, method, Number(s)))) out.push(`${method} ${path}`);
        }
      }
      return out;
    },
  };
}

function lookUp(doc: object, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key.replaceAll('~1', '/')], doc);
}
