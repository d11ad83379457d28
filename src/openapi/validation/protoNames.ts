/**
 * Where a schema gives a subschema for a property named `__proto__`, which ajv cannot enforce: its code leaves that
 * name out of `properties`, `patternProperties` and `dependencies` (allSchemaProperties, splitDependencies), so the
 * subschema is never applied, and with `additionalProperties: false` a valid `{"__proto__": 5}` is refused as an
 * extra property. Renaming the key before compiling would also rename it for `propertyNames`, `patternProperties`
 * and `const` values, so such a schema is not compiled: its tool is served unvalidated (the MCP server validates).
 */
import { appendPointer, isPlainObject } from '../schema/pointer.js';
import { walkSchema } from '../schema/walk.js';

const NAME_MAPS = ['properties', 'patternProperties', 'dependencies'] as const;

/** The JSON Pointer of the first such `__proto__` entry in `schema`, or undefined. */
export function findProtoPropertySchema(schema: unknown): string | undefined {
  let found: string | undefined;
  walkSchema(schema, (node, pointer) => {
    if (found !== undefined) return false;
    if (typeof node === 'boolean') return;
    for (const keyword of NAME_MAPS) {
      const map = node[keyword];
      if (Object.hasOwn(node, keyword) && isPlainObject(map) && Object.hasOwn(map, '__proto__')) {
        found = appendPointer(pointer, keyword, '__proto__');
        return false;
      }
    }
  });
  return found;
}
