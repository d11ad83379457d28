/**
 * One MCP tool as one OpenAPI operation: POST with the tool's input schema as the JSON body, its
 * output schema (or the result-mapping rules) as the 200 response, and the shared error responses.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CompiledTool } from './catalog.js';
import { errorResponseRefs } from './error-responses.js';
import { RESULT_MAPPING_DESCRIPTION } from './result.js';
import { detectDialect } from './schema/dialect.js';
import { hoistSchema } from './schema/hoist.js';
import type { ComponentNames } from './schema/names.js';
import { escapeMarkdownName } from './markdown.js';

export interface OperationContext {
  /** The document's components/schemas, receiving the tool's schemas. */
  schemas: Record<string, unknown>;
  names: ComponentNames;
  /** Tag of the server the tool belongs to. */
  tag: string;
  apiKey: boolean;
  /** The tool's server is a per-user server: its calls may answer 401 NEEDS_AUTHORIZATION. */
  perUser?: boolean;
  /** The tool's own input schema could not be documented (a stand-in replaces it): its arguments are unknown. */
  schemaReplaced?: boolean;
}

/** The path of a tool below its server: "/" + the percent-encoded tool name (names may contain "/", "{"). */
export function toolPath(tool: string): string {
  return '/' + encodeURIComponent(tool);
}

const HINTS: ReadonlyArray<readonly [keyof NonNullable<Tool['annotations']>, string, string]> = [
  ['readOnlyHint', 'read-only', 'may modify its environment'],
  ['destructiveHint', 'may be destructive', 'not destructive'],
  ['idempotentHint', 'idempotent', 'not idempotent'],
  ['openWorldHint', 'open world (reaches external systems)', 'closed world'],
];

/** "MCP hints: read-only, closed world." from the tool's annotations; undefined when it has none. */
export function describeHints(annotations: Tool['annotations']): string | undefined {
  if (!annotations) return undefined;
  const words = HINTS.filter(([key]) => typeof annotations[key] === 'boolean').map(([key, yes, no]) =>
    annotations[key] ? yes : no,
  );
  return words.length > 0 ? `MCP hints: ${words.join(', ')}.` : undefined;
}

/** For a tool the server runs only as an MCP task: what a REST caller should expect of the call. */
export function describeTaskExecution(tool: Tool): string | undefined {
  if (tool.execution?.taskSupport !== 'required') return undefined;
  return 'Runs as an MCP task: mcpo creates the task, polls it and answers with its result once it has finished; the call\'s timeout covers the whole task, which is cancelled if the time runs out or the client leaves.';
}

/**
 * Keywords an input schema may hold and still declare no argument: what it says is only "an object", with
 * words about it. Any other keyword (properties, patternProperties, a schema for additionalProperties,
 * allOf/anyOf/oneOf, $ref, if, dependentSchemas, …) may describe arguments, and keeps the requestBody.
 */
const NO_ARGUMENT_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema', '$id', '$comment', '$defs', 'definitions', 'title', 'description', 'default', 'examples',
  'type', 'properties', 'required', 'additionalProperties', 'unevaluatedProperties',
]);

/**
 * Whether an input schema declares no argument: an object schema without properties (`{"type": "object"}`,
 * `{"type": "object", "properties": {}}`). Such a tool's operation has no requestBody, as the Python mcpo's
 * (FastAPI declares no body for a handler without fields). Open WebUI turns an operation into a function whose
 * parameters are the body's properties and refuses to call one that declares a requestBody when the model's
 * arguments are empty ("Request body expected for operation … but none found": execute_tool_server in
 * open-webui backend/open_webui/utils/tools.py), which for a function without parameters they always are.
 */
export function declaresNoArguments(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return false;
  const s = schema as Record<string, unknown>;
  if (!Object.keys(s).every((key) => NO_ARGUMENT_KEYWORDS.has(key))) return false;
  const absentOr = (value: unknown, ok: (v: unknown) => boolean) => value === undefined || ok(value);
  const isBoolean = (v: unknown) => typeof v === 'boolean';
  return (
    absentOr(s.type, (t) => t === 'object') &&
    absentOr(s.properties, (p) => typeof p === 'object' && p !== null && Object.keys(p).length === 0) &&
    absentOr(s.required, (r) => Array.isArray(r) && r.length === 0) &&
    absentOr(s.additionalProperties, isBoolean) &&
    absentOr(s.unevaluatedProperties, isBoolean)
  );
}

/** The requestBody of a tool that takes arguments; hoists its schemas into `ctx.schemas`. */
function requestBody(compiled: CompiledTool, operationId: string, ctx: OperationContext): Record<string, unknown> {
  const { tool } = compiled;
  const input = hoistSchema(tool.inputSchema, {
    name: `${operationId}.Input`,
    names: ctx.names,
    components: ctx.schemas,
    dialect: detectDialect(tool.inputSchema),
  });
  const bodyRequired = isBodyRequired(compiled);
  return {
    required: bodyRequired,
    description: bodyRequired
      ? `Arguments of the MCP tool "${escapeMarkdownName(tool.name)}".`
      : `Arguments of the MCP tool "${escapeMarkdownName(tool.name)}". Optional: an empty body is sent as {}.`,
    content: { 'application/json': { schema: input } },
  };
}

/**
 * The POST operation of one tool; hoists its schemas into `ctx.schemas`. Throws when a schema cannot be copied
 * (too deep). A tool that declares no argument gets no requestBody (see declaresNoArguments); its route still
 * takes an empty body, `{}` or no Content-Type.
 */
export function buildOperation(compiled: CompiledTool, operationId: string, ctx: OperationContext): Record<string, unknown> {
  const { tool } = compiled;
  const summary = tool.title ?? tool.annotations?.title;
  const description = [tool.description, describeHints(tool.annotations), describeTaskExecution(tool)].filter(Boolean).join('\n\n');
  const withBody = ctx.schemaReplaced === true || !declaresNoArguments(tool.inputSchema);
  return {
    operationId,
    ...(summary ? { summary } : {}),
    ...(description ? { description } : {}),
    tags: [ctx.tag],
    ...(withBody ? { requestBody: requestBody(compiled, operationId, ctx) } : {}),
    responses: { '200': successResponse(tool, operationId, ctx), ...errorResponseRefs(ctx.apiKey, ctx.perUser === true) },
    'x-mcp-tool': tool.name,
    ...(tool.annotations ? { 'x-mcp-annotations': tool.annotations } : {}),
    ...(tool.execution?.taskSupport ? { 'x-mcp-task-support': tool.execution.taskSupport } : {}),
  };
}

/**
 * The root keywords that can make an object schema refuse `{}`. A schema with none of them (most tool schemas, whose
 * `required` is empty) accepts `{}` whatever else it says, so documenting it compiles nothing (see buildCatalog).
 */
const MAY_REFUSE_EMPTY_OBJECT = ['required', 'minProperties', 'allOf', 'anyOf', 'oneOf', 'not', 'if', '$ref', '$dynamicRef', '$recursiveRef', 'enum', 'const'];

/** A body is required only when `{}` (what an empty body becomes) would be rejected. */
function isBodyRequired(compiled: CompiledTool): boolean {
  const schema = compiled.tool.inputSchema as Record<string, unknown>;
  const required = schema.required;
  if (Array.isArray(required) && required.length > 0) return true;
  const typed = schema.type === undefined || schema.type === 'object';
  if (typed && !MAY_REFUSE_EMPTY_OBJECT.some((keyword) => Object.hasOwn(schema, keyword) && keyword !== 'required')) return false;
  if (compiled.validate) return compiled.validate({}).length > 0;
  return false;
}

function successResponse(tool: Tool, operationId: string, ctx: OperationContext): Record<string, unknown> {
  if (tool.outputSchema === undefined) {
    return {
      description: 'The tool result, mapped from its content items (see the schema description).',
      content: { 'application/json': { schema: { description: RESULT_MAPPING_DESCRIPTION } } },
    };
  }
  const output = hoistSchema(tool.outputSchema, {
    name: `${operationId}.Output`,
    names: ctx.names,
    components: ctx.schemas,
    dialect: detectDialect(tool.outputSchema),
  });
  return {
    description: "The tool's structuredContent, described by its outputSchema.",
    content: { 'application/json': { schema: output } },
  };
}
