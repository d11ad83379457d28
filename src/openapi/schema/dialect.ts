/**
 * Which JSON Schema dialect a tool schema is written in. MCP (2025-11-25) says a schema without `$schema`
 * is JSON Schema 2020-12, but many servers still emit draft-07 (zod-to-json-schema, the SDK's own zod
 * conversion), so `$schema` decides, and draft-07-only constructs decide when `$schema` is absent.
 */
import { isPlainObject } from './pointer.js';
import { walkSchema } from './walk.js';

export type Dialect = 'draft-04' | 'draft-07' | '2019-09' | '2020-12';

/** The dialect MCP assumes when a schema does not say. */
export const DEFAULT_DIALECT: Dialect = '2020-12';

/** Maps a `$schema` URI to a dialect; undefined for URIs we do not recognise. */
export function dialectOfUri(uri: string): Dialect | undefined {
  if (/draft-0[3-4]\b/.test(uri)) return 'draft-04';
  if (/draft-0[5-7]\b/.test(uri)) return 'draft-07';
  if (/draft\/2019-09\b/.test(uri)) return '2019-09';
  if (/draft\/2020-12\b/.test(uri)) return '2020-12';
  return undefined;
}

/**
 * The dialect of a root schema: its `$schema` when recognised; otherwise draft-07 when the root uses
 * keywords whose meaning changed in 2019-09 (array-form `items`, `additionalItems`, `dependencies`),
 * else the MCP default, 2020-12.
 */
export function detectDialect(schema: unknown): Dialect {
  if (!isPlainObject(schema)) return DEFAULT_DIALECT;
  if (typeof schema.$schema === 'string') {
    const declared = dialectOfUri(schema.$schema);
    if (declared) return declared;
  }
  return usesLegacyKeywords(schema) ? 'draft-07' : DEFAULT_DIALECT;
}

function usesLegacyKeywords(schema: Record<string, unknown>): boolean {
  let legacy = false;
  walkSchema(schema, (node) => {
    if (legacy || typeof node === 'boolean') return false;
    if (Array.isArray(node.items) || Object.hasOwn(node, 'additionalItems') || isPlainObject(node.dependencies)) {
      legacy = true;
    }
    return !legacy;
  });
  return legacy;
}
