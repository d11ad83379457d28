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

export interface OperationContext {
  /** The document's components/schemas, receiving the tool's schemas. */
  schemas: Record<string, unknown>;
  names: ComponentNames;
  /** Tag of the server the tool belongs to. */
  tag: string;
  apiKey: boolean;
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

/** The POST operation of one tool; hoists its schemas into `ctx.schemas`. Throws when a schema cannot be copied (too deep). */
export function buildOperation(compiled: CompiledTool, operationId: string, ctx: OperationContext): Record<string, unknown> {
  const { tool } = compiled;
  const summary = tool.title ?? tool.annotations?.title;
  const description = [tool.description, describeHints(tool.annotations), describeTaskExecution(tool)].filter(Boolean).join('\n\n');
  const input = hoistSchema(tool.inputSchema, {
    name: `${operationId}.Input`,
    names: ctx.names,
    components: ctx.schemas,
    dialect: detectDialect(tool.inputSchema),
  });
  const bodyRequired = isBodyRequired(compiled);
  return {
    operationId,
    ...(summary ? { summary } : {}),
    ...(description ? { description } : {}),
    tags: [ctx.tag],
    requestBody: {
      required: bodyRequired,
      description: bodyRequired
        ? `Arguments of the MCP tool "${tool.name}".`
        : `Arguments of the MCP tool "${tool.name}". Optional: an empty body is sent as {}.`,
      content: { 'application/json': { schema: input } },
    },
    responses: { '200': successResponse(tool, operationId, ctx), ...errorResponseRefs(ctx.apiKey) },
    'x-mcp-tool': tool.name,
    ...(tool.annotations ? { 'x-mcp-annotations': tool.annotations } : {}),
    ...(tool.execution?.taskSupport ? { 'x-mcp-task-support': tool.execution.taskSupport } : {}),
  };
}

/** A body is required only when `{}` (what an empty body becomes) would be rejected. */
function isBodyRequired(compiled: CompiledTool): boolean {
  if (compiled.validate) return compiled.validate({}).length > 0;
  const required = (compiled.tool.inputSchema as { required?: unknown }).required;
  return Array.isArray(required) && required.length > 0;
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
