/**
 * Separate validators for each alternative of every anyOf/oneOf in a schema, so a failed union can be
 * explained alternative by alternative (explain.ts). Compiled once, with the schema, never per request.
 * Keyed by the identity of the anyOf/oneOf array: ajv's verbose errors carry it as `error.schema`,
 * which stays right across `$ref`s, where ajv's schemaPath does not.
 */
import type { AnyValidateFunction } from 'ajv/dist/types/index.js';
import { walkSchema } from '../schema/walk.js';
import type { AjvInstance } from './ajv.js';

export type BranchValidator = AnyValidateFunction<unknown> & ((data: unknown) => boolean);

export type UnionBranches = ReadonlyMap<unknown, readonly BranchValidator[]>;

/**
 * For the schema registered in `ajv` under `key`: every union whose alternatives could all be compiled.
 * A union that cannot be (rare: fragments inside `$id` resources ajv cannot address) is left out and its
 * errors are reported as ajv gives them.
 */
export function compileUnionBranches(ajv: AjvInstance, key: string, schema: unknown): UnionBranches {
  const unions = new Map<unknown, BranchValidator[]>();
  walkSchema(schema, (node, pointer) => {
    if (typeof node === 'boolean') return;
    for (const keyword of ['anyOf', 'oneOf'] as const) {
      const branches = node[keyword];
      if (!Array.isArray(branches) || unions.has(branches)) continue;
      const validators = branches.map((_, i) => branchValidator(ajv, key, `${pointer}/${keyword}/${i}`));
      if (validators.every((v) => v !== undefined)) unions.set(branches, validators as BranchValidator[]);
    }
  });
  return unions;
}

function branchValidator(ajv: AjvInstance, key: string, pointer: string): BranchValidator | undefined {
  // ajv reads the fragment as a URI: the (already ~-escaped) tokens are percent-encoded.
  const fragment = pointer
    .split('/')
    .map((token) => encodeURIComponent(token))
    .join('/');
  try {
    return ajv.getSchema(`${key}#${fragment}`) as BranchValidator | undefined;
  } catch {
    return undefined;
  }
}
