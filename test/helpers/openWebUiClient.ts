/**
 * A test double of Open WebUI as a client of an OpenAPI tool server, restating what its backend does, rule
 * for rule, from open-webui/open-webui `backend/open_webui/utils/tools.py`:
 *
 * - get_tool_server_data / get_tool_server_url: GET `<url>/openapi.json` with `Authorization: Bearer <key>`.
 * - convert_openapi_to_tool_payload: every operation becomes a function named by its operationId, whose
 *   description is the operation's description, else its summary; its parameters start as
 *   `{type: object, properties: {}, required: []}` and take the properties and `required` of the JSON request
 *   body schema, resolved by resolve_schema (or become that schema when it is an array).
 * - resolve_schema: a `$ref` is followed through `components` (its first segment skipped), and recursion goes
 *   into `properties` and `items` only: a `$ref` anywhere else stays as it is.
 * - execute_tool_server: finds the operation by operationId; when it declares `requestBody.content` and the
 *   model's arguments are empty, it raises "Request body expected for operation '<name>' but none found."
 *   before sending anything; otherwise it sends the arguments (or `{}`) as the JSON body of the method, with
 *   `Content-Type: application/json` and the Bearer key, and turns a status >= 400 into
 *   `{"error": "HTTP error <status>: <text>"}`, else returns the JSON answer (aiohttp's json() refuses any
 *   other content type).
 *
 * The model is the one thing left out: a test gives the arguments a model would.
 */

type Json = Record<string, any>;

/** What the model sees of one tool. */
export interface OpenWebUiFunction {
  name: string;
  description: string;
  parameters: Json;
}

/** What became of one call: refused before sending (as Open WebUI raises), or sent and answered. */
export type OpenWebUiCallResult =
  | { sent: false; error: string }
  | { sent: true; status: number; result: unknown };

export interface OpenWebUiToolServer {
  document: Json;
  functions: OpenWebUiFunction[];
  call(name: string, args: Record<string, unknown>): Promise<OpenWebUiCallResult>;
}

/** resolve_schema: `$ref`s followed through components, recursing into properties and items only. */
export function resolveSchema(schema: unknown, components: Json): Json {
  if (!schema || typeof schema !== 'object' || Object.keys(schema).length === 0) return {};
  const node = schema as Json;
  if (typeof node.$ref === 'string') {
    // Python: ref_path.strip("#/").split("/"), then every part after the first ("components").
    const parts = node.$ref.replace(/^[#/]+|[#/]+$/g, '').split('/');
    let resolved: unknown = components;
    for (const part of parts.slice(1)) resolved = (resolved as Json | undefined)?.[part] ?? {};
    return resolveSchema(resolved, components);
  }
  const copy = structuredClone(node);
  if (copy.properties && typeof copy.properties === 'object') {
    for (const [name, property] of Object.entries(copy.properties)) copy.properties[name] = resolveSchema(property, components);
  }
  if ('items' in copy) copy.items = resolveSchema(copy.items, components);
  return copy;
}

/** convert_openapi_to_tool_payload for the operations mcpo serves (POST, no path or query parameters). */
export function toFunctions(document: Json): OpenWebUiFunction[] {
  const functions: OpenWebUiFunction[] = [];
  for (const methods of Object.values<Json>(document.paths ?? {})) {
    for (const operation of Object.values<Json>(methods)) {
      const fn: OpenWebUiFunction = {
        name: operation.operationId,
        description: operation.description ?? operation.summary ?? 'No description available.',
        parameters: { type: 'object', properties: {}, required: [] },
      };
      for (const parameter of operation.parameters ?? []) {
        fn.parameters.properties[parameter.name] = { type: parameter.schema?.type, description: parameter.schema?.description ?? '' };
        if (parameter.required) fn.parameters.required.push(parameter.name);
      }
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      if (schema) {
        const resolved = resolveSchema(schema, document.components ?? {});
        if (resolved.properties && Object.keys(resolved.properties).length > 0) {
          Object.assign(fn.parameters.properties, resolved.properties);
          if ('required' in resolved) fn.parameters.required = [...new Set([...fn.parameters.required, ...resolved.required])];
        } else if (resolved.type === 'array') {
          fn.parameters = resolved;
        }
      }
      functions.push(fn);
    }
  }
  return functions;
}

/** The operation (and its path and method) whose operationId is `name`. */
function findOperation(document: Json, name: string): { path: string; method: string; operation: Json } {
  for (const [path, methods] of Object.entries<Json>(document.paths ?? {})) {
    for (const [method, operation] of Object.entries<Json>(methods)) {
      if (operation?.operationId === name) return { path, method: method.toLowerCase(), operation };
    }
  }
  throw new Error(`No matching route found for operationId: ${name}`);
}

/**
 * Connects to the tool server at `url` as Open WebUI does with a Bearer key connection. `userHeaders`: what
 * include_user_info_headers adds to each call with ENABLE_FORWARD_USER_INFO_HEADERS (X-OpenWebUI-User-Email…).
 */
export async function connectOpenWebUi(url: string, key: string, userHeaders: Record<string, string> = {}): Promise<OpenWebUiToolServer> {
  const response = await fetch(`${url}/openapi.json`, {
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
  });
  if (response.status !== 200) throw new Error(`tool server spec: ${response.status} ${await response.text()}`);
  const document = (await response.json()) as Json;

  async function call(name: string, args: Record<string, unknown>): Promise<OpenWebUiCallResult> {
    const { path, method, operation } = findOperation(document, name);
    let body: Record<string, unknown> = {};
    // Python: `if params:`, false for an empty dict.
    if (operation.requestBody?.content && Object.keys(operation.requestBody.content).length > 0) {
      if (Object.keys(args).length === 0) return { sent: false, error: `Request body expected for operation '${name}' but none found.` };
      body = args;
    }
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}), ...userHeaders };
    const withBody = ['post', 'put', 'patch'].includes(method);
    const answer = await fetch(`${url}${path}`, { method: method.toUpperCase(), headers, ...(withBody ? { body: JSON.stringify(body) } : {}) });
    const text = await answer.text();
    if (answer.status >= 400) return { sent: true, status: answer.status, result: { error: `HTTP error ${answer.status}: ${text}` } };
    const mimeType = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (mimeType !== 'application/json') return { sent: true, status: answer.status, result: { error: `unexpected mimetype: ${mimeType}` } };
    return { sent: true, status: answer.status, result: JSON.parse(text) as unknown };
  }

  return { document, functions: toFunctions(document), call };
}

/** OpenAI's rule for function names (Open WebUI hands the names to the model's API as they are). */
export const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Every `$ref` left in `schema` after Open WebUI's resolution: the model would see a reference it cannot follow. */
export function unresolvedRefs(schema: unknown, at = ''): string[] {
  if (!schema || typeof schema !== 'object') return [];
  if (Array.isArray(schema)) return schema.flatMap((item, i) => unresolvedRefs(item, `${at}/${i}`));
  return Object.entries(schema as Json).flatMap(([key, value]) =>
    key === '$ref' ? [`${at}: ${String(value)}`] : unresolvedRefs(value, `${at}/${key}`),
  );
}

/**
 * The smallest arguments a model could send that the function's parameters accept: every required property
 * (first enum value, const, default, or a plain value of its type; the first alternative of a union), and,
 * when nothing is required, the first property with such a value, so that there is something to send.
 */
export function minimalArguments(parameters: Json): Record<string, unknown> {
  const properties: Json = parameters.properties ?? {};
  const required: string[] = parameters.required ?? [];
  const names = required.length > 0 ? required : Object.keys(properties).slice(0, 1);
  return Object.fromEntries(names.map((name) => [name, sampleValue(properties[name] ?? {})]));
}

function sampleValue(schema: Json): unknown {
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ('default' in schema && schema.default !== null) return schema.default;
  const union = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(union)) return sampleValue({ ...schema, oneOf: undefined, anyOf: undefined, ...union[0] });
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return schema.format === 'uri' ? 'https://example.com/' : 'x';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : 1;
    case 'boolean':
      return false;
    case 'array':
      return [sampleValue(schema.items ?? {})];
    case 'object':
    default:
      return schema.properties ? minimalArguments(schema) : {};
  }
}
