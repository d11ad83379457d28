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

/** One array or object being written by sortedJson: the container, its keys when an object, the next member. */
interface Open {
  readonly container: Record<string, unknown> | readonly unknown[];
  readonly names: readonly string[] | undefined;
  next: number;
}

/**
 * JSON text of `value` with every object's keys sorted. Iterative, with its own stack: items nest as deep as the
 * body does, and recursion overflowed V8's stack at ~10,000 levels.
 */
function sortedJson(value: unknown): string {
  let out = '';
  const open: Open[] = [];
  let current = value;
  for (;;) {
    if (current === null || typeof current !== 'object') {
      out += typeof current === 'string' ? JSON.stringify(current) : String(current);
    } else if (Array.isArray(current)) {
      out += '[';
      open.push({ container: current, names: undefined, next: 0 });
    } else {
      const record = current as Record<string, unknown>;
      const names = Object.keys(record);
      if (!isSorted(names)) names.sort();
      out += '{';
      open.push({ container: record, names, next: 0 });
    }
    // Then the next member of the innermost open container, closing the finished ones.
    for (;;) {
      const top = open[open.length - 1];
      if (!top) return out;
      const { container, names } = top;
      if (top.next < (names ?? (container as readonly unknown[])).length) {
        if (top.next > 0) out += ',';
        if (names) {
          const name = names[top.next++]!;
          out += `${JSON.stringify(name)}:`;
          current = (container as Record<string, unknown>)[name];
        } else {
          current = (container as readonly unknown[])[top.next++];
        }
        break;
      }
      out += names ? '}' : ']';
      open.pop();
    }
  }
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
