/**
 * Ajv instances configured to enforce exactly what a tool's schema says: no type coercion, no defaults
 * inserted, no properties removed, every error reported. `strict: false` because real servers use
 * keywords and formats ajv does not know; those are ignored (logged at debug), never fatal.
 */
import { Ajv as AjvDraft07, type Options, type Plugin } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import type { Logger } from '../../log/logger.js';
import type { Dialect } from '../schema/dialect.js';
import { spendSteps } from './budget.js';
import { boundedPattern } from './patterns.js';
import { uniqueItemsKeyword } from './uniqueItems.js';

export type AjvInstance = AjvDraft07;

export interface CreateAjvOptions {
  /** Receives ajv's warnings (unknown formats, ignored keywords) at debug level. */
  logger?: Logger;
  /** Check schemas against the dialect's meta-schema before compiling. Default true. */
  validateSchema?: boolean;
  /** Report every error (true) or stop at the first (false: bounded work and errors on any body). Default true. */
  allErrors?: boolean;
}

/**
 * `pattern` engine: ECMAScript with the `u` flag as JSON Schema specifies, falling back to no flag for
 * patterns only legacy syntax accepts (Python servers emit `\-` or `\_` outside character classes), so a
 * tool is not left unvalidated over an escape. A pattern invalid either way still fails compilation.
 */
export const lenientRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    try {
      return new RegExp(pattern, flags);
    } catch (error) {
      if (!flags.includes('u')) throw error;
      return new RegExp(pattern, flags.replace('u', ''));
    }
  },
  // Only read when generating standalone code, which mcpo never does.
  { code: 'lenientRegExp' },
);

/** What `pattern` and `patternProperties` run: lenientRegExp, bounded in cost (patterns.ts). */
export const boundedRegExp = Object.assign((pattern: string, flags: string) => boundedPattern(lenientRegExp, pattern, flags), {
  code: 'boundedRegExp',
});

/**
 * Format "regex" (used by the meta-schemas for `pattern`) judged by the same engine as `pattern`. Compiling costs
 * about 1 µs a character (a 1 MB argument: 0.9 s), so in a request it counts REGEX_STEPS_PER_CHAR per character
 * against the step budget (budget.ts), and is not checked past it.
 */
function isCompilablePattern(value: string): boolean {
  if (!spendSteps(value.length * REGEX_STEPS_PER_CHAR)) return true;
  try {
    lenientRegExp(value, 'u');
    return true;
  } catch {
    return false;
  }
}

/** Budget steps a character of a `format: "regex"` value costs; any other string format, FORMAT_STEPS_PER_CHAR. */
export const REGEX_STEPS_PER_CHAR = 1000;
/** ajv-formats' expressions take up to ~100-250 ns a character on long strings (uri, email, byte; first runs). */
export const FORMAT_STEPS_PER_CHAR = 100;

/** ajv-formats' string formats, each counting its characters against the request's step budget (budget.ts). */
function budgetStringFormats(ajv: AjvInstance): void {
  for (const [name, format] of Object.entries(ajv.formats)) {
    const definition = typeof format === 'object' && !(format instanceof RegExp) ? format : { validate: format };
    if (('type' in definition && definition.type !== undefined && definition.type !== 'string') || ('async' in definition && definition.async)) continue;
    const check = definition.validate;
    const test = typeof check === 'function' ? (check as (value: string) => boolean) : check instanceof RegExp ? (value: string) => check.test(value) : undefined;
    if (!test) continue;
    const bounded = (value: string): boolean => !spendSteps(value.length * FORMAT_STEPS_PER_CHAR) || test(value);
    ajv.addFormat(name, { ...definition, type: 'string', validate: bounded } as never);
  }
}

// ajv-formats is CommonJS: under NodeNext its default import is the module object on some toolchains.
const addFormats = ((formatsPlugin as unknown as { default?: Plugin<unknown> }).default ??
  formatsPlugin) as unknown as Plugin<unknown>;

/** A new ajv instance for one dialect (draft-04 schemas use the draft-07 class: the closest ajv has). */
export function createAjv(dialect: Dialect, options: CreateAjvOptions = {}): AjvInstance {
  const debug = (...args: unknown[]): void => options.logger?.debug(`ajv: ${args.map(String).join(' ')}`);
  const ajvOptions: Options = {
    strict: false,
    allErrors: options.allErrors ?? true,
    // error.data / error.schema let problems name the offending value and explain unions.
    verbose: true,
    coerceTypes: false,
    useDefaults: false,
    removeAdditional: false,
    // A property a schema names (`constructor`, `toString`) is present only when the arguments hold it themselves:
    // without this, `required: ["toString"]` accepted {} and `properties` judged Object.prototype's functions.
    ownProperties: true,
    validateFormats: true,
    validateSchema: options.validateSchema ?? true,
    logger: { log: debug, warn: debug, error: debug },
    code: { regExp: boundedRegExp },
  };
  const ajv: AjvInstance =
    dialect === '2020-12'
      ? new Ajv2020(ajvOptions)
      : dialect === '2019-09'
        ? new Ajv2019(ajvOptions)
        : new AjvDraft07(ajvOptions);
  addFormats(ajv);
  budgetStringFormats(ajv);
  // Linear instead of ajv's pairwise deep comparison of object items (uniqueItems.ts).
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword(uniqueItemsKeyword);
  ajv.addFormat('regex', isCompilablePattern);
  return ajv;
}
