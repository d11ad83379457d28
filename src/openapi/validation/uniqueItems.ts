/**
 * `uniqueItems` in time linear in the size of the array. Ajv compares every pair of items with a deep equal
 * when they may be objects or arrays (O(n²) comparisons): a 470 KB body against a tool with `uniqueItems` on
 * objects held the event loop for 35 s. Here each item is reduced once to a canonical key (JSON with sorted
 * object keys; JSON Schema equality ignores key order, and `1` and `1.0` are one number once parsed) and the
 * keys are looked up in a Map. The error is the one ajv reports (params `i`, `j`), so messages do not change.
 */
import type { KeywordDefinition, SchemaValidateFunction } from 'ajv';

/** The canonical key of a JSON value: equal values (in the JSON Schema sense) and only they share one. */
export function canonicalKey(value: unknown): string {
  // Most items already have their keys in order at every level: then the native JSON.stringify is the key.
  return keysSorted(value, 0) ? JSON.stringify(value) : sortedJson(value);
}

/** Whether every object in `value` lists its keys in sorted order (false past 64 levels: sortedJson decides). */
function keysSorted(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (depth > 64) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!keysSorted(value[i], depth + 1)) return false;
    return true;
  }
  let previous: string | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (previous !== undefined && previous > key) return false;
    previous = key;
    if (!keysSorted((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** JSON text of `value` with every object's keys sorted. */
function sortedJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (Array.isArray(value)) {
    let key = '[';
    for (let i = 0; i < value.length; i++) key += (i ? ',' : '') + sortedJson(value[i]);
    return `${key}]`;
  }
  const record = value as Record<string, unknown>;
  const names = Object.keys(record);
  if (!isSorted(names)) names.sort();
  let key = '{';
  for (let i = 0; i < names.length; i++) key += `${i ? ',' : ''}${JSON.stringify(names[i])}:${sortedJson(record[names[i]!])}`;
  return `${key}}`;
}

function isSorted(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return false;
  return true;
}

function validateUniqueItems(schema: unknown, data: unknown): boolean {
  if (schema !== true || !Array.isArray(data) || data.length < 2) return true;
  // Strings and numbers (most arrays) are their own keys; the rest go through canonicalKey.
  const strings = new Map<string, number>();
  let others: Map<string | number | boolean | null, number> | undefined;
  for (let i = 0; i < data.length; i++) {
    const item: unknown = data[i];
    let j: number | undefined;
    if (typeof item === 'string') {
      j = strings.get(item);
      if (j === undefined) strings.set(item, i);
    } else {
      others ??= new Map();
      const key = item === null || typeof item !== 'object' ? (item as number | boolean | null) : canonicalKey(item);
      j = others.get(key);
      if (j === undefined) others.set(key, i);
    }
    if (j !== undefined) {
      (validateUniqueItems as SchemaValidateFunction).errors = [
        { keyword: 'uniqueItems', message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`, params: { i, j } },
      ];
      return false;
    }
  }
  return true;
}

/** Replaces ajv's own `uniqueItems` (remove it first: `ajv.removeKeyword('uniqueItems')`). */
export const uniqueItemsKeyword: KeywordDefinition = {
  keyword: 'uniqueItems',
  type: 'array',
  schemaType: 'boolean',
  errors: true,
  validate: validateUniqueItems,
};
