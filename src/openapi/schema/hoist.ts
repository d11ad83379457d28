/**
 * Moves one tool schema into an OpenAPI document's components/schemas without changing what it accepts.
 *
 * The root schema, every `$defs` / `definitions` entry (at any depth) and every `$ref` target (such as
 * `#/properties/a/items`, which zod-to-json-schema emits for reused schemas) become components named
 * `<name>.<path>`; each of those places in the tree is replaced by a `$ref` to its component, and every
 * `$ref` is rewritten to `#/components/schemas/<component>`. Recursion needs nothing special: a Tree's
 * `children.items` simply refers back to the Tree component.
 *
 * A `$ref` that does not resolve inside the schema cannot be carried over (it would point into the
 * OpenAPI document instead); it is kept as `x-mcpo-unresolved-ref` so the document stays valid and
 * the information is not lost. `$dynamicRef` / `$recursiveRef` are copied unchanged.
 */
import { detectDialect, type Dialect } from './dialect.js';
import type { ComponentNames } from './names.js';
import { appendPointer, parsePointer, resolvePointer, setOwn } from './pointer.js';
import { indexRefs, type RefIndex } from './refs.js';
import { DROPPED_KEYWORDS, translateKeywords } from './translate.js';
import { copyWithoutChildSchemas, forEachChildSchema, isSchema } from './walk.js';

export const COMPONENT_REF_PREFIX = '#/components/schemas/';

/** Extension keeping a `$ref` that could not be resolved inside the tool schema. */
export const UNRESOLVED_REF_KEY = 'x-mcpo-unresolved-ref';

export interface HoistOptions {
  /** Component name for the root schema, e.g. "github__search.Input"; others are "<name>.<path>". */
  name: string;
  /** The document's name allocator, shared by every schema hoisted into it. */
  names: ComponentNames;
  /** The document's components/schemas; receives the new components. */
  components: Record<string, unknown>;
  /** Dialect of the schema. Default: detectDialect(schema). */
  dialect?: Dialect;
}

/** Hoists `schema` into `options.components` and returns the reference to use in its place. */
export function hoistSchema(schema: unknown, options: HoistOptions): { $ref: string } {
  const root = isSchema(schema) ? schema : {};
  const dialect = options.dialect ?? detectDialect(root);
  const index = indexRefs(root);
  const componentNames = nameComponents(index, options);
  const emit = makeEmitter(index, componentNames, dialect);
  for (const [pointer, name] of componentNames) {
    const found = resolvePointer(root, pointer);
    if (found.found && isSchema(found.value)) options.components[name] = emit(found.value, pointer);
  }
  return { $ref: COMPONENT_REF_PREFIX + (componentNames.get('') as string) };
}

/** Pointer -> component name, root first, then definitions and ref targets in document order. */
function nameComponents(index: RefIndex, options: HoistOptions): Map<string, string> {
  const wanted = new Set<string>(['', ...index.definitions]);
  for (const target of index.targets.values()) if (target !== undefined) wanted.add(target);
  const names = new Map<string, string>();
  for (const pointer of index.schemaPointers) {
    if (!wanted.has(pointer) || names.has(pointer)) continue;
    // "$defs"/"definitions" tokens add nothing to a name: "/$defs/Outer/$defs/Inner" -> "<name>.Outer.Inner".
    const path = (parsePointer(pointer) ?? []).filter((t) => t !== '$defs' && t !== 'definitions');
    names.set(pointer, options.names.allocate([options.name, ...path].join('.')));
  }
  return names;
}

type Emit = (node: Record<string, unknown> | boolean, pointer: string) => unknown;

function makeEmitter(index: RefIndex, componentNames: ReadonlyMap<string, string>, dialect: Dialect): Emit {
  const emitNode = (node: Record<string, unknown> | boolean, pointer: string, isComponentRoot: boolean): unknown => {
    const component = componentNames.get(pointer);
    if (!isComponentRoot && component !== undefined) return { $ref: COMPONENT_REF_PREFIX + component };
    if (typeof node === 'boolean') return node;

    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (DROPPED_KEYWORDS.has(key)) continue;
      if (key === '$ref' && typeof value === 'string') {
        const target = index.targets.get(pointer);
        const targetName = target === undefined ? undefined : componentNames.get(target);
        if (targetName === undefined) out[UNRESOLVED_REF_KEY] = value;
        else out.$ref = COMPONENT_REF_PREFIX + targetName;
        continue;
      }
      setOwn(out, key, copyWithoutChildSchemas(key, value));
    }
    forEachChildSchema(node, (child, path) => {
      const [keyword, member] = path as [string, string | undefined];
      if (DROPPED_KEYWORDS.has(keyword)) return;
      const converted = emitNode(child, appendPointer(pointer, ...path), false);
      if (member === undefined) out[keyword] = converted;
      else setOwn(out[keyword] as Record<string, unknown>, member, converted);
    });
    return translateKeywords(out, dialect);
  };
  return (node, pointer) => emitNode(node, pointer, true);
}

