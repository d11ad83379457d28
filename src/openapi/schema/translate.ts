/**
 * Rewrites the keywords of one schema object whose meaning differs between older drafts and JSON Schema
 * 2020-12 (the dialect of OpenAPI 3.1), so a schema copied into the document means what its author meant.
 * Subschemas are translated by the caller (hoist.ts), which passes them in already converted.
 */
import type { Dialect } from './dialect.js';
import { isPlainObject, setOwn } from './pointer.js';

/**
 * Keywords dropped from every embedded schema, and why:
 * - `$schema`: all schemas in the document are in the OpenAPI 3.1 dialect once translated; a draft-07
 *   `$schema` inside a component would claim otherwise and most OpenAPI tools ignore or mis-handle it.
 * - `$id`: it starts a new base URI, so `#/components/schemas/...` refs inside it would resolve against
 *   the tool's URI instead of the document. Every ref is rewritten to a component first, so nothing needs it.
 * - `$anchor`: anchors become document-wide in OpenAPI; two tools with the same anchor would clash, and
 *   refs to anchors are rewritten to components.
 * - `$defs` / `definitions`: their entries are hoisted to components/schemas.
 * Siblings of `$ref` are kept: 2020-12 applies them, and so does ajv for every draft, so the document
 * and the validator agree even for draft-07 schemas (whose spec says to ignore them).
 */
export const DROPPED_KEYWORDS: ReadonlySet<string> = new Set(['$schema', '$id', '$anchor', '$defs', 'definitions']);

/**
 * Translates one node's own keywords to 2020-12. `node` holds converted subschemas already, under their
 * original keys; returns a new object.
 * - draft-04..07 array `items` -> `prefixItems`, `additionalItems` -> `items` (ignored, so dropped, when
 *   `items` was a single schema: that is what those drafts specify);
 * - `dependencies` -> `dependentRequired` (string arrays) and `dependentSchemas` (schemas);
 * - draft-04 boolean `exclusiveMinimum`/`exclusiveMaximum` -> the numeric form.
 */
export function translateKeywords(node: Record<string, unknown>, dialect: Dialect): Record<string, unknown> {
  if (dialect === '2020-12') return node;
  const out: Record<string, unknown> = { ...node };
  if (Array.isArray(out.items)) {
    out.prefixItems = out.items;
    delete out.items;
    if (Object.hasOwn(out, 'additionalItems')) out.items = out.additionalItems;
  }
  delete out.additionalItems;
  if (isPlainObject(out.dependencies)) moveDependencies(out, out.dependencies);
  if (dialect === 'draft-04') convertDraft04Exclusives(out);
  return out;
}

/**
 * Draft-04 boolean `exclusiveMinimum`/`exclusiveMaximum` rewritten in the numeric form of draft-06+, in
 * place. Also used before validation: ajv has no draft-04 class, and its draft-07 class rejects booleans.
 */
export function convertDraft04Exclusives(node: Record<string, unknown>): Record<string, unknown> {
  convertExclusive(node, 'exclusiveMinimum', 'minimum');
  convertExclusive(node, 'exclusiveMaximum', 'maximum');
  return node;
}

function moveDependencies(out: Record<string, unknown>, dependencies: Record<string, unknown>): void {
  const required: Record<string, unknown> = isPlainObject(out.dependentRequired) ? { ...out.dependentRequired } : {};
  const schemas: Record<string, unknown> = isPlainObject(out.dependentSchemas) ? { ...out.dependentSchemas } : {};
  for (const [name, value] of Object.entries(dependencies)) {
    setOwn(Array.isArray(value) ? required : schemas, name, value);
  }
  delete out.dependencies;
  if (Object.keys(required).length > 0) out.dependentRequired = required;
  if (Object.keys(schemas).length > 0) out.dependentSchemas = schemas;
}

function convertExclusive(out: Record<string, unknown>, exclusive: string, limit: string): void {
  if (typeof out[exclusive] !== 'boolean') return;
  if (out[exclusive] === true && typeof out[limit] === 'number') {
    out[exclusive] = out[limit];
    delete out[limit];
  } else {
    delete out[exclusive];
  }
}
