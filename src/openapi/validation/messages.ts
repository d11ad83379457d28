/**
 * One ajv error -> one problem: a JSON Pointer into the request body and a sentence a person can act on.
 * For errors about a property (missing, not allowed) the pointer names that property, not its parent.
 */
import type { ErrorObject } from 'ajv';
import { escapePointerToken } from '../schema/pointer.js';

/** A problem plus what union explanation needs: the keyword behind it and, for mismatches, what was expected. */
export interface DetailedProblem {
  path: string;
  message: string;
  keyword: string;
  /** For type/const/enum problems: the expected value(s) in words, e.g. `string or null`. */
  expected?: string;
  /** For const/enum problems: the values allowed. */
  allowed?: readonly unknown[];
}

const MAX_LISTED_VALUES = 20;
const MAX_PREVIEW = 40;

const COMPARISON: Record<string, string> = {
  '>=': 'greater than or equal to',
  '>': 'greater than',
  '<=': 'less than or equal to',
  '<': 'less than',
};

/** The JSON type of a value as JSON Schema names it (integers are "integer"). */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * A short description of a value for messages: `string "5"`, `object`, `integer 3`. Total: a value JSON cannot
 * write (a function, a bigint) is named by its type alone rather than making the message throw.
 */
export function describeValue(value: unknown): string {
  const type = jsonTypeOf(value);
  if (type !== 'string' && type !== 'integer' && type !== 'number' && type !== 'boolean') return type;
  const text = JSON.stringify(value);
  return `${type} ${text.length > MAX_PREVIEW ? text.slice(0, MAX_PREVIEW) + '…' : text}`;
}

/** `"a", "b", … (25 values)`: JSON values for a message, the first MAX_LISTED_VALUES of them. */
export function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, MAX_LISTED_VALUES).map((v) => JSON.stringify(v));
  return shown.join(', ') + (values.length > MAX_LISTED_VALUES ? `, … (${values.length} values)` : '');
}

function plural(n: unknown, one: string, many: string): string {
  return `${String(n)} ${n === 1 ? one : many}`;
}

function child(error: ErrorObject, name: unknown): string {
  return `${error.instancePath}/${escapePointerToken(String(name))}`;
}

/** Translates one ajv error; undefined for errors that only repeat others (`if`, `propertyNames`). */
export function problemFromError(error: ErrorObject): DetailedProblem | undefined {
  const p = error.params as Record<string, unknown>;
  const at = (message: string, path = error.instancePath, expected?: string, allowed?: readonly unknown[]): DetailedProblem => ({
    path,
    message,
    keyword: error.keyword,
    ...(expected === undefined ? {} : { expected }),
    ...(allowed === undefined ? {} : { allowed }),
  });
  // Errors about a property name (under propertyNames) carry the name; the summary error is dropped below.
  if (error.propertyName !== undefined) {
    const reason = (error.message ?? 'is invalid').replace('NOT', 'not');
    return at(`Property name "${error.propertyName}" ${reason}.`, child(error, error.propertyName));
  }
  switch (error.keyword) {
    case 'required':
      return at(`Required property "${String(p.missingProperty)}" is missing.`, child(error, p.missingProperty));
    case 'dependentRequired':
    case 'dependencies':
      return at(
        `Property "${String(p.missingProperty)}" is required when "${String(p.property)}" is present.`,
        child(error, p.missingProperty),
      );
    case 'additionalProperties':
      return at(`Property "${String(p.additionalProperty)}" is not allowed.`, child(error, p.additionalProperty));
    case 'unevaluatedProperties':
      return at(`Property "${String(p.unevaluatedProperty)}" is not allowed.`, child(error, p.unevaluatedProperty));
    case 'type': {
      const expected = String(p.type).split(',').join(' or ');
      return at(`Must be ${expected}, but got ${describeValue(error.data)}.`, undefined, expected);
    }
    case 'const':
      return at(`Must be ${JSON.stringify(p.allowedValue)}.`, undefined, JSON.stringify(p.allowedValue), [p.allowedValue]);
    case 'enum': {
      const values = Array.isArray(p.allowedValues) ? p.allowedValues : [];
      return at(`Must be one of ${listValues(values)}.`, undefined, `one of ${listValues(values)}`, values);
    }
    case 'format':
      return at(`Must be a valid ${String(p.format)} (format "${String(p.format)}").`);
    case 'pattern':
      return at(`Must match the pattern "${String(p.pattern)}".`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return at(`Must be ${COMPARISON[String(p.comparison)] ?? String(p.comparison)} ${String(p.limit)}.`);
    case 'multipleOf':
      return at(`Must be a multiple of ${String(p.multipleOf)}.`);
    case 'minLength':
      return at(`Must be at least ${plural(p.limit, 'character', 'characters')} long.`);
    case 'maxLength':
      return at(`Must be at most ${plural(p.limit, 'character', 'characters')} long.`);
    case 'minItems':
      return at(`Must have at least ${plural(p.limit, 'item', 'items')}.`);
    case 'maxItems':
      return at(`Must have at most ${plural(p.limit, 'item', 'items')}.`);
    case 'minProperties':
      return at(`Must have at least ${plural(p.limit, 'property', 'properties')}.`);
    case 'maxProperties':
      return at(`Must have at most ${plural(p.limit, 'property', 'properties')}.`);
    case 'uniqueItems': {
      const [first, second] = [Number(p.i), Number(p.j)].sort((a, b) => a - b);
      return at(`Must not contain duplicates (items ${first} and ${second} are equal).`);
    }
    case 'not':
      return at('Must not match the schema given in "not".');
    case 'false schema':
      return at('No value is allowed here.');
    case 'anyOf':
      return at('Must match at least one of the allowed alternatives (anyOf).');
    case 'oneOf':
      return at('Must match exactly one of the allowed alternatives (oneOf).');
    case 'if':
    case 'propertyNames':
      return undefined; // the `then`/`else` and property-name errors that caused it are reported instead
    default: {
      const message = (error.message ?? 'is invalid').replace(/NOT/g, 'not');
      return at(message.charAt(0).toUpperCase() + message.slice(1) + '.');
    }
  }
}
