/**
 * Test support: an independent OpenAPI 3.1 validator, and a way to validate instances against a schema
 * as it appears in a generated document (its $refs resolved against that document's components).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { buildCatalog, type ServerCatalog } from '../../../src/openapi/catalog.js';
import type { OpenApiDocument } from '../../../src/openapi/document.js';
import { silentLogger } from '../../../src/log/logger.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => void;

/** Asserts the document passes @seriousme/openapi-schema-validator (which also checks every $ref resolves). */
export async function expectValidOpenApi(doc: OpenApiDocument): Promise<void> {
  const result = await new Validator().validate(structuredClone(doc));
  expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
  expect(result.valid).toBe(true);
}

/**
 * A validator for `schema` (e.g. the requestBody schema `{ $ref: '#/components/schemas/x' }`) as the
 * document states it: an ajv 2020-12 instance that knows only the document's components.
 */
export function documentSchemaValidator(doc: OpenApiDocument, schema: unknown): (value: unknown) => boolean {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  const components = (doc.components as { schemas: Record<string, unknown> }).schemas;
  ajv.addSchema({ $id: 'urn:mcpo:doc', components: { schemas: components } });
  const resolved = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"urn:mcpo:doc#/components/'));
  const validate = ajv.compile(resolved as object);
  return (value) => validate(value) as boolean;
}

/** The request body schema of the operation at `path` (POST). */
export function requestSchema(doc: OpenApiDocument, path: string): unknown {
  const op = (doc.paths as Record<string, { post: Record<string, any> }>)[path]?.post;
  expect(op, `no POST ${path} in the document`).toBeDefined();
  return op!.requestBody.content['application/json'].schema;
}

/** The 200 response schema of the operation at `path`. */
export function responseSchema(doc: OpenApiDocument, path: string): unknown {
  const op = (doc.paths as Record<string, { post: Record<string, any> }>)[path]?.post;
  return op!.responses['200'].content['application/json'].schema;
}

/** A tool with just a name and input schema (and optionally more). */
export function tool(name: string, inputSchema: unknown, extra: Partial<Tool> = {}): Tool {
  return { name, inputSchema: inputSchema as Tool['inputSchema'], ...extra };
}

export function catalogOf(server: string, tools: Tool[]): ServerCatalog {
  return buildCatalog(server, tools, { logger: silentLogger });
}

export const INFO = { title: 'test', version: '1.0.0' };

/** Every value under a key named `key`, anywhere in a JSON value. */
export function valuesOfKey(value: unknown, key: string): unknown[] {
  const found: unknown[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === key) found.push(v);
        visit(v);
      }
    }
  };
  visit(value);
  return found;
}
