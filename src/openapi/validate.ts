/**
 * Request validation: a tool's input schema compiled once into a function returning problems.
 * What the schema says is exactly what is enforced: "5" is not an integer, defaults are not inserted,
 * extra properties are judged only by additionalProperties, and the arguments object is never modified.
 */
import type { AnyValidateFunction } from 'ajv/dist/types/index.js';
import type { ValidationProblem } from '../errors.js';
import { McpoError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { detectDialect, type Dialect } from './schema/dialect.js';
import { isPlainObject } from './schema/pointer.js';
import { indexRefs } from './schema/refs.js';
import { convertDraft04Exclusives } from './schema/translate.js';
import { isSchema, mapSchema } from './schema/walk.js';
import { createAjv, type AjvInstance } from './validation/ajv.js';
import { boundedValidator, type AjvCheck, type ValidatorParts } from './validation/boundedValidator.js';
import { findProtoPropertySchema } from './validation/protoNames.js';
import { compileUnionBranches } from './validation/unions.js';

/** Returns the problems of `args` against the schema; [] when valid. Never modifies `args`. */
export type Validator = (args: unknown) => ValidationProblem[];

/** Raised when a schema cannot be compiled (invalid against its meta-schema, unresolvable $ref, bad pattern). */
export class SchemaCompileError extends McpoError {
  constructor(message: string, cause?: unknown) {
    super('INTERNAL', message, { cause });
  }
}

export interface CompiledSchema {
  readonly validate: Validator;
  /** The dialect the schema was compiled as (from `$schema`, else detected; 2020-12 by default). */
  readonly dialect: Dialect;
}

export interface SchemaCompilerOptions {
  /** Receives ajv's warnings (unknown formats and keywords) at debug level. Default: none. */
  logger?: Logger;
}

/**
 * One ajv instance per dialect that only checks schemas against the dialect's meta-schema. Compiling a
 * meta-schema costs tens of milliseconds, so it is done once per process, not per catalog; checking
 * keeps no state, so sharing it across catalogs is safe.
 */
const metaCheckers = new Map<Dialect, AjvInstance>();

function checkAgainstMetaSchema(dialect: Dialect, schema: unknown): void {
  let checker = metaCheckers.get(dialect);
  if (!checker) {
    checker = createAjv(dialect);
    metaCheckers.set(dialect, checker);
  }
  if (!checker.validateSchema(schema as Record<string, unknown>)) {
    throw new SchemaCompileError(`Invalid schema: ${checker.errorsText(checker.errors)}`);
  }
}

/**
 * Compiles schemas into validators. One compiler per catalog: it shares an ajv instance per dialect,
 * except for schemas declaring `$id`, which get a private instance because ajv refuses a second schema
 * with an `$id` it already holds (two tools with the same `$id` are common: generators reuse one).
 * Instances are cheap: meta-schema checks happen in the process-wide checkers above.
 */
export class SchemaCompiler {
  private readonly shared = new Map<string, AjvInstance>();
  private nextKey = 0;

  constructor(private readonly options: SchemaCompilerOptions = {}) {}

  /** Throws SchemaCompileError when the schema cannot be compiled. */
  compile(schema: unknown): CompiledSchema {
    if (!isSchema(schema)) throw new SchemaCompileError('A JSON Schema must be an object or a boolean');
    const proto = findProtoPropertySchema(schema);
    if (proto !== undefined) {
      throw new SchemaCompileError(`The schema at ${proto} is for a property named __proto__, which ajv never applies; mcpo does not validate these arguments`);
    }
    const dialect = detectDialect(schema);
    const prepared = prepareForAjv(schema, dialect);
    checkAgainstMetaSchema(dialect, prepared);
    const hasIds = indexRefs(prepared).hasIds;
    const key = `mcpo-tool-schema-${this.nextKey++}`;
    const instance = (allErrors: boolean) => (hasIds ? this.newAjv(dialect, allErrors) : this.ajvFor(dialect, allErrors));
    const firstError = compileIn(instance(false), prepared, key);
    let all: ReturnType<ValidatorParts['allErrors']> | undefined;
    const allErrors = () => {
      if (!all) {
        const ajv = instance(true);
        all = { check: compileIn(ajv, prepared, key), unions: compileUnionBranches(ajv, key, prepared) };
      }
      return all;
    };
    return { validate: boundedValidator({ firstError, allErrors }), dialect };
  }

  private ajvFor(dialect: Dialect, allErrors: boolean): AjvInstance {
    const mode = `${dialect} ${allErrors}`;
    let ajv = this.shared.get(mode);
    if (!ajv) {
      ajv = this.newAjv(dialect, allErrors);
      this.shared.set(mode, ajv);
    }
    return ajv;
  }

  private newAjv(dialect: Dialect, allErrors: boolean): AjvInstance {
    return createAjv(dialect, { ...this.options, validateSchema: false, allErrors });
  }
}

/** `schema` added to `ajv` under `key`, compiled; throws SchemaCompileError (and leaves nothing behind) when it cannot be. */
function compileIn(ajv: AjvInstance, schema: Record<string, unknown> | boolean, key: string): AnyValidateFunction<unknown> & AjvCheck {
  try {
    ajv.addSchema(schema, key);
    const validateFn = ajv.getSchema(key);
    if (!validateFn) throw new Error('ajv returned no validator');
    return validateFn as AnyValidateFunction<unknown> & AjvCheck;
  } catch (error) {
    ajv.removeSchema(key);
    throw new SchemaCompileError(`Cannot compile schema: ${(error as Error).message}`, error);
  }
}

/** Small, but with the keywords most tool schemas use, so their code paths are compiled and warm too. */
const WARM_UP_SCHEMA = { type: 'object', properties: { text: { type: 'string', enum: ['a', 'b'] }, n: { type: 'integer', minimum: 0 } }, required: ['text'] };

/**
 * Compiles the default dialect's meta-schema checker and one small schema, so the first catalog built (when a
 * server's tools arrive, blocking requests meanwhile) does not pay for it: about 70 ms, mostly ajv compiling the
 * 2020-12 meta-schema and warming its code generator. run.ts calls it while the servers start.
 */
export function warmUpValidation(): void {
  // An invalid body compiles the validator that lists every error too.
  new SchemaCompiler().compile(WARM_UP_SCHEMA).validate({});
}

/**
 * The dialect is chosen from `$schema` (detectDialect) and the matching ajv class used; the keyword
 * itself is removed so a URI ajv has no meta-schema for (draft-04, draft-06) does not fail compilation.
 * Draft-04 schemas go to the draft-07 class with their boolean exclusive limits made numeric.
 */
function prepareForAjv(schema: Record<string, unknown> | boolean, dialect: Dialect): Record<string, unknown> | boolean {
  const converted = dialect === 'draft-04' ? mapSchema(schema, convertDraft04Exclusives) : schema;
  if (!isPlainObject(converted) || !Object.hasOwn(converted, '$schema')) return converted;
  const { $schema: _ignored, ...rest } = converted;
  return rest;
}

/**
 * Compiles one schema into a validator (a fresh compiler each call; catalogs share one per server).
 * Throws SchemaCompileError on an uncompilable schema.
 */
export function compileValidator(schema: unknown, options: SchemaCompilerOptions = {}): Validator {
  return new SchemaCompiler(options).compile(schema).validate;
}
