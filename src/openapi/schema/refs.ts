/**
 * Resolves every `$ref` of one schema document to the JSON Pointer of its target inside that document,
 * honouring `$id` base URIs, `$anchor` (and draft-07 `"$id": "#name"`) and percent-encoded,
 * ~0/~1-escaped pointer fragments. A reference whose target is not a subschema of the same document
 * (an external URL, a missing definition, a pointer into data such as a default value) resolves to undefined.
 */
import { parsePointer } from './pointer.js';
import { walkSchema } from './walk.js';

/** Base URI for a schema without `$id`; only there so relative `$id`s and refs have something to resolve against. */
const DEFAULT_BASE = 'mcpo:///schema.json';

export interface RefIndex {
  /** Pointer of every subschema position in the document, in walk order (parents first). */
  readonly schemaPointers: readonly string[];
  /** Pointer of every `$defs` / `definitions` entry, at any depth, in walk order. */
  readonly definitions: readonly string[];
  /** For the pointer of each schema that has a string `$ref`: its target's pointer, or undefined if unresolvable. */
  readonly targets: ReadonlyMap<string, string | undefined>;
  /** True when some schema below the root declares `$id` (a new schema resource). */
  readonly hasIds: boolean;
}

/** Walks `root` once and resolves each of its `$ref`s to the pointer of its target (see RefIndex). */
export function indexRefs(root: unknown): RefIndex {
  const schemaPointers: string[] = [];
  const baseOf = new Map<string, string>();
  /** Absolute URI (no fragment) of each schema resource, mapped to the pointer of its root. */
  const resources = new Map<string, string>([[DEFAULT_BASE, '']]);
  /** Absolute URI with an anchor fragment, mapped to the pointer of the anchored schema. */
  const anchors = new Map<string, string>();
  const refs: Array<{ pointer: string; ref: string }> = [];
  const definitions: string[] = [];
  let hasIds = false;

  walkSchema(root, (node, pointer, from) => {
    schemaPointers.push(pointer);
    if (from?.path[0] === '$defs' || from?.path[0] === 'definitions') definitions.push(pointer);
    const parentBase = from === undefined ? DEFAULT_BASE : (baseOf.get(from.parent) ?? DEFAULT_BASE);
    if (typeof node === 'boolean') return;
    let base = parentBase;
    if (typeof node.$id === 'string') {
      hasIds = true;
      const id = tryUrl(node.$id, parentBase);
      if (id && node.$id.startsWith('#')) {
        anchors.set(id.href, pointer); // draft-07 plain-name fragment: an anchor, not a new base
      } else if (id) {
        id.hash = '';
        base = id.href;
        resources.set(base, pointer);
      }
    }
    baseOf.set(pointer, base);
    for (const key of ['$anchor', '$dynamicAnchor'] as const) {
      const anchor = node[key];
      if (typeof anchor === 'string') anchors.set(`${base}#${anchor}`, pointer);
    }
    if (typeof node.$ref === 'string') refs.push({ pointer, ref: node.$ref });
  });

  const isSchemaPointer = new Set(schemaPointers);
  const targets = new Map<string, string | undefined>();
  for (const { pointer, ref } of refs) {
    const target = resolveRef(ref, baseOf.get(pointer) ?? DEFAULT_BASE, resources, anchors);
    targets.set(pointer, target !== undefined && isSchemaPointer.has(target) ? target : undefined);
  }
  return { schemaPointers, definitions, targets, hasIds };
}

function resolveRef(
  ref: string,
  base: string,
  resources: ReadonlyMap<string, string>,
  anchors: ReadonlyMap<string, string>,
): string | undefined {
  const url = tryUrl(ref, base);
  if (!url) return undefined;
  let fragment: string;
  try {
    fragment = decodeURIComponent(url.hash.slice(1)); // RFC 6901 section 6: fragments are percent-encoded
  } catch {
    return undefined;
  }
  url.hash = '';
  if (fragment === '' || fragment.startsWith('/')) {
    const resourcePointer = resources.get(url.href);
    if (resourcePointer === undefined || parsePointer(fragment) === undefined) return undefined;
    return resourcePointer + fragment;
  }
  return anchors.get(`${url.href}#${fragment}`);
}

function tryUrl(ref: string, base: string): URL | undefined {
  try {
    return new URL(ref, base);
  } catch {
    return undefined;
  }
}
