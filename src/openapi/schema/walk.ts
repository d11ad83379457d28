/**
 * Schema-aware traversal: which keywords hold subschemas. Everything else (enum, const, default,
 * examples, unknown keywords) is data and is never entered, so a property literally named "$ref"
 * or a default value containing "$ref" is not mistaken for a reference.
 */
import { appendPointer, isPlainObject, setOwn } from './pointer.js';

/** Keywords whose value is one subschema (draft-07 through 2020-12). `items` is here or in ARRAY by shape. */
const SINGLE = [
  'items',
  'additionalItems',
  'additionalProperties',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
] as const;

/** Keywords whose value is an array of subschemas. */
const ARRAY = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'] as const;

/** Keywords whose value maps names to subschemas (`dependencies` values may also be string arrays). */
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'dependencies'] as const;


/** A JSON Schema is an object or a boolean. */
export function isSchema(value: unknown): value is Record<string, unknown> | boolean {
  return typeof value === 'boolean' || isPlainObject(value);
}

/** Calls `visit` for each direct subschema of `node` with the keyword path to it (e.g. ["properties", "a"]). */
export function forEachChildSchema(
  node: Record<string, unknown>,
  visit: (child: Record<string, unknown> | boolean, path: string[]) => void,
): void {
  for (const keyword of SINGLE) {
    const value = node[keyword];
    if (Object.hasOwn(node, keyword) && isSchema(value)) visit(value, [keyword]);
  }
  for (const keyword of ARRAY) {
    const value = node[keyword];
    if (!Object.hasOwn(node, keyword) || !Array.isArray(value)) continue;
    value.forEach((child, index) => {
      if (isSchema(child)) visit(child, [keyword, String(index)]);
    });
  }
  for (const keyword of MAP) {
    const value = node[keyword];
    if (!Object.hasOwn(node, keyword) || !isPlainObject(value)) continue;
    for (const [name, child] of Object.entries(value)) {
      if (isSchema(child)) visit(child, [keyword, name]);
    }
  }
}

const IS_SINGLE: ReadonlySet<string> = new Set(SINGLE);
const IS_ARRAY: ReadonlySet<string> = new Set(ARRAY);
const IS_MAP: ReadonlySet<string> = new Set(MAP);

/**
 * A deep copy of `value`, the value of `keyword` in a schema, in which every subschema that
 * forEachChildSchema visits is left out (null or {} in its place) for the caller to fill in. Copying
 * those subschemas too, only to replace them, makes copying a whole schema quadratic in its depth.
 */
export function copyWithoutChildSchemas(keyword: string, value: unknown): unknown {
  const hole = (item: unknown): unknown => (isSchema(item) ? null : structuredClone(item));
  if (IS_ARRAY.has(keyword) && Array.isArray(value)) return value.map(hole);
  if (IS_MAP.has(keyword) && isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hole(v)]));
  if (IS_SINGLE.has(keyword) && isSchema(value)) return typeof value === 'boolean' ? value : {};
  return structuredClone(value);
}

/** How the walk reached a subschema: its parent's pointer and the keyword path below it (["$defs", "Item"]). */
export interface WalkStep {
  readonly parent: string;
  readonly path: readonly string[];
}

/**
 * Visits `root` and every subschema below it, depth first, parents before children, with each one's
 * JSON Pointer and how it was reached from its parent schema (undefined for the root). `enter` may return false
 * to skip a node's children.
 */
export function walkSchema(
  root: unknown,
  enter: (node: Record<string, unknown> | boolean, pointer: string, from: WalkStep | undefined) => boolean | void,
): void {
  // Parsed JSON has no cycles; hand-built schemas might. Shared (non-cyclic) objects are visited at
  // every position they occupy, since each position has its own pointer.
  const ancestors = new Set<object>();
  const visit = (node: Record<string, unknown> | boolean, pointer: string, from: WalkStep | undefined): void => {
    if (enter(node, pointer, from) === false || typeof node === 'boolean' || ancestors.has(node)) return;
    ancestors.add(node);
    forEachChildSchema(node, (child, path) => visit(child, appendPointer(pointer, ...path), { parent: pointer, path }));
    ancestors.delete(node);
  };
  if (isSchema(root)) visit(root, '', undefined);
}

/**
 * A copy of `root` with `transform` applied to every schema object, children first (the transform sees
 * already-transformed subschemas under their original keywords). Data keywords are shared, not copied.
 */
export function mapSchema(
  root: Record<string, unknown> | boolean,
  transform: (node: Record<string, unknown>) => Record<string, unknown>,
): Record<string, unknown> | boolean {
  if (typeof root === 'boolean') return root;
  const copy: Record<string, unknown> = { ...root };
  forEachChildSchema(root, (child, path) => {
    const [keyword, member] = path as [string, string | undefined];
    const mapped = mapSchema(child, transform);
    if (member === undefined) {
      copy[keyword] = mapped;
      return;
    }
    const container = copy[keyword];
    if (container === root[keyword]) copy[keyword] = Array.isArray(container) ? [...container] : { ...(container as object) };
    setOwn(copy[keyword] as Record<string, unknown>, member, mapped);
  });
  return transform(copy);
}
