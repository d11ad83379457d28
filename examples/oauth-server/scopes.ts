/**
 * The scopes this example server understands, what each one lets a client do (in words a person
 * reads on the consent page), and which scopes a JSON-RPC message needs before it may reach MCP.
 */

/** List the tools (`tools/list`). */
export const SCOPE_TOOLS_LIST = 'tools:list';
/** Call the general-purpose tools (`echo`, `sum`). */
export const SCOPE_TOOLS_EXECUTE = 'tools:execute';
/** Call the finance tool (`stock_price`) in addition to `tools:execute`: the step-up scope. */
export const SCOPE_TOOLS_EXECUTE_FINANCE = 'tools:execute:finance';

/** Every scope, in the order documents and the consent page list them (`scopes_supported`). */
export const SUPPORTED_SCOPES: readonly string[] = [SCOPE_TOOLS_LIST, SCOPE_TOOLS_EXECUTE, SCOPE_TOOLS_EXECUTE_FINANCE];

/**
 * What a first authorization asks for: the 401 challenge's `scope` and the grant when a client asks for none.
 * The finance scope is left out on purpose (least privilege): a client gets it only by step-up, after a
 * `stock_price` call answered 403 insufficient_scope, which is the flow this example exists to show.
 */
export const BASELINE_SCOPES: readonly string[] = [SCOPE_TOOLS_LIST, SCOPE_TOOLS_EXECUTE];

/** Human words for the consent page, one per scope. */
export const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  [SCOPE_TOOLS_LIST]: 'list the tools this server offers',
  [SCOPE_TOOLS_EXECUTE]: 'call the echo and sum tools',
  [SCOPE_TOOLS_EXECUTE_FINANCE]: 'call the stock_price tool (finance data)',
};

/** Scopes a `tools/call` of each tool needs; a tool not listed needs `tools:execute` only. */
export const TOOL_SCOPES: Readonly<Record<string, readonly string[]>> = {
  stock_price: [SCOPE_TOOLS_EXECUTE, SCOPE_TOOLS_EXECUTE_FINANCE],
};

/** A `scope` parameter value (RFC 6749 §3.3, space-separated) as a list without duplicates or empty entries. */
export function parseScopeParameter(value: string | undefined): string[] {
  if (value === undefined) return [];
  return [...new Set(value.split(' ').filter((s) => s.length > 0))];
}

/** The union of scope lists, ordered as SUPPORTED_SCOPES (unknown ones last), without duplicates. */
export function unionScopes(...lists: ReadonlyArray<readonly string[]>): string[] {
  const all = new Set(lists.flat());
  const known = SUPPORTED_SCOPES.filter((s) => all.has(s));
  const unknown = [...all].filter((s) => !SUPPORTED_SCOPES.includes(s));
  return [...known, ...unknown];
}

function scopesForMessage(message: unknown): readonly string[] {
  if (typeof message !== 'object' || message === null) return [];
  const { method, params } = message as { method?: unknown; params?: unknown };
  if (method === 'tools/list') return [SCOPE_TOOLS_LIST];
  if (method === 'tools/call') {
    const name = typeof params === 'object' && params !== null ? (params as { name?: unknown }).name : undefined;
    return (typeof name === 'string' ? TOOL_SCOPES[name] : undefined) ?? [SCOPE_TOOLS_EXECUTE];
  }
  // initialize, ping, notifications, responses: any valid token will do.
  return [];
}

/**
 * Scopes a parsed JSON-RPC body (one message or a batch) needs. Bodies that are not JSON-RPC need none
 * here: the MCP transport rejects them itself.
 */
export function requiredScopesForBody(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  return unionScopes(...messages.map(scopesForMessage));
}
