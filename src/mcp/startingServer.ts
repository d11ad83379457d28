/**
 * A configured server whose session does not exist yet. The session code (and with it the SDK's client,
 * about half of mcpo's start-up) is loaded after mcpo listens: until it is, /healthz and the documents show
 * the server as connecting with no tools, which is what it is, and a call waits for the session.
 */
import type { ServerEntry } from '../config/types.js';
import { DEFAULT_MAX_CONCURRENT_CALLS } from './callLimiter.js';
import type { CallOptions, CallToolResult, ServerHandle, ServerStatus, Tool } from './types.js';
import { unavailable } from './unavailable.js';

/** What became of a starting server: its session, none (removed first), or why the session code did not load. */
export type SessionOutcome = { session: ServerHandle } | { removed: true } | { loadError: Error };

export class StartingServer implements ServerHandle {
  readonly name: string;
  private readonly since = new Date().toISOString();
  private loadError: Error | undefined;
  /** The session that took this server's place: a caller still holding this handle sees its state, not 'connecting' for ever. */
  private session: ServerHandle | undefined;

  constructor(
    private readonly entry: ServerEntry,
    private readonly defaultMaxConcurrentCalls: number | undefined,
    private readonly outcome: Promise<SessionOutcome>,
  ) {
    this.name = entry.name;
    void outcome.then((o) => {
      if ('loadError' in o) this.loadError = o.loadError;
      else if ('session' in o) this.session = o.session;
    });
  }

  status(): ServerStatus {
    if (this.session) return this.session.status();
    return {
      name: this.name,
      state: this.loadError ? 'failed' : 'connecting',
      transport: this.entry.kind,
      tools: 0,
      since: this.since,
      ...(this.loadError ? { error: `mcpo could not load its MCP client: ${this.loadError.message}` } : {}),
      calls: { inFlight: 0, waiting: 0, limit: this.entry.maxConcurrentCalls ?? this.defaultMaxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS },
    };
  }

  tools(): readonly Tool[] {
    return this.session?.tools() ?? [];
  }

  async callTool(tool: string, args: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult> {
    const outcome = await this.outcome;
    if ('session' in outcome) return outcome.session.callTool(tool, args, options);
    throw unavailable(this.name, 'removed' in outcome ? 'the server was stopped' : `mcpo could not load its MCP client: ${outcome.loadError.message}`);
  }
}
