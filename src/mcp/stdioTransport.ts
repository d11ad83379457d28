/**
 * The SDK's stdio client transport, with the messages sent in one event-loop turn written to the child
 * in one go. Under load each turn parses many HTTP requests, and the SDK writes each one's message with
 * a write system call of its own (the largest native cost in mcpo's profile); here the child's stdin is
 * corked at the first message of a turn and uncorked after the turn's I/O (setImmediate), so they leave
 * as one writev and the child reads them in one chunk too. At one request at a time nothing waits longer
 * than the rest of the current turn.
 *
 * Reading, each line from the child is checked by LineReadBuffer (stdioReadBuffer.ts) instead of the SDK's zod
 * parse, which the SDK's Protocol repeats anyway; with `answerBounds`, the requests sent are tracked so that a line
 * past a tools/list answer's bound is cut before it is parsed (answerBounds.ts).
 *
 * Its life: a child that cannot be started rejects start() with a SpawnError saying why (spawnFailure.ts);
 * a started one is tracked in LiveChildren until it exits; closing ends stdin, then sends SIGTERM and SIGKILL
 * sooner than the SDK would (DEFAULT_CLOSE_STEPS), so stopping mcpo stays within its bound.
 */
import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { StdioClientTransport, type StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import { serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SharedStreamBounds, type AnswerBounds } from './answerBounds.js';
import { liveChildren, type LiveChildren } from './liveChildren.js';
import { descendants, signalProcesses, union } from './processTree.js';
import { replaceStdioReadBuffer, stdioChild, stdioReadBuffer } from './sdkInternals.js';
import { explainSpawnFailure, type ChildExit, type FileChecks } from './spawnFailure.js';
import { LineReadBuffer } from './stdioReadBuffer.js';

/**
 * After close() has ended the child's stdin: when it gets SIGTERM, then SIGKILL, if it has not exited (MCP spec,
 * lifecycle, stdio shutdown: close stdin, wait, SIGTERM, wait, SIGKILL). The SDK waits 2 s before each step,
 * 4 s in all, more than mcpo's whole shutdown may take after its 3 s for calls in flight.
 */
export const DEFAULT_CLOSE_STEPS = { termAfterMs: 500, killAfterMs: 1_000 } as const;

export interface StdioTransportOptions {
  /** Where the started child is tracked until it exits. Default: the process-wide liveChildren. */
  children?: LiveChildren;
  /** Default DEFAULT_CLOSE_STEPS. */
  closeSteps?: { termAfterMs: number; killAfterMs: number };
  /** The file checks that explain a failed start. Default: node:fs. */
  fileChecks?: FileChecks;
  /**
   * true: messages are written and read by the SDK's own code (one write each, its line reader), for a server that
   * misbehaves with mcpo's (`"sdkTransport": true`); the child's life (start, tracking, closing) stays as above.
   * Default false.
   */
  sdkMessages?: boolean;
  /** The answers bounded more tightly than a line's maxBufferSize, by their request's method (not with sdkMessages). Default: none. */
  answerBounds?: AnswerBounds;
}

export class BatchingStdioTransport extends StdioClientTransport {
  private flushScheduled = false;
  /** Settles every send waiting for the buffer to drain, with one listener however many wait. */
  private drained: Promise<void> | undefined;
  private exit: ChildExit | undefined;
  /** The requests in flight, for the read buffer's answer bound. */
  private readonly answers: SharedStreamBounds | undefined;

  constructor(
    private readonly server: StdioServerParameters,
    private readonly options: StdioTransportOptions = {},
  ) {
    super(server);
    this.answers = options.answerBounds && !options.sdkMessages ? new SharedStreamBounds(options.answerBounds) : undefined;
    // If the SDK's private field is ever renamed, its own buffer stays.
    if (!options.sdkMessages) replaceStdioReadBuffer(this, new LineReadBuffer({ maxBufferSize: server.maxBufferSize, ...(this.answers ? { answers: this.answers } : {}) }));
  }

  /** Whether lines from the child are checked by LineReadBuffer rather than the SDK's zod parse. */
  get quickReads(): boolean {
    return stdioReadBuffer(this) instanceof LineReadBuffer;
  }

  /** Starts the child; a child that cannot be started rejects with a SpawnError naming the reason. */
  override async start(): Promise<void> {
    try {
      await super.start();
    } catch (error) {
      const { command, cwd, env } = this.server;
      throw await explainSpawnFailure(error, { command, ...(cwd === undefined ? {} : { cwd }), ...(env?.PATH === undefined ? {} : { path: env.PATH }) }, this.options.fileChecks);
    }
    const child = this.child();
    if (!child) return;
    (this.options.children ?? liveChildren).add(child);
    child.once('exit', (code, signal) => (this.exit = { code, signal }));
  }

  /** How the child ended, once it has (before the transport's onclose). */
  get exited(): ChildExit | undefined {
    return this.exit;
  }

  /** The SDK's close (stdin ended, the exit awaited), with SIGTERM and SIGKILL sent sooner (DEFAULT_CLOSE_STEPS). */
  override async close(): Promise<void> {
    const child = this.child();
    const running = child !== undefined && child.exitCode === null && child.signalCode === null;
    const { termAfterMs, killAfterMs } = this.options.closeSteps ?? DEFAULT_CLOSE_STEPS;
    // The processes the child started (a server behind a wrapper), seen before the child is gone and they are reparented.
    let tree = running && child.pid !== undefined ? descendants(child.pid) : [];
    const signal = (name: NodeJS.Signals) => {
      if (child?.pid !== undefined) tree = union(tree, descendants(child.pid));
      child?.kill(name);
      signalProcesses(tree, name);
    };
    const timers = running ? [setTimeout(() => signal('SIGTERM'), termAfterMs), setTimeout(() => signal('SIGKILL'), killAfterMs)] : [];
    for (const timer of timers) timer.unref();
    try {
      await super.close();
    } finally {
      this.answers?.clear();
      for (const timer of timers) clearTimeout(timer);
      // The child ended; what it started and left behind ends with it (asked first, then made to).
      if (tree.length) {
        signalProcesses(tree, 'SIGTERM');
        setTimeout(() => signalProcesses(tree, 'SIGKILL'), termAfterMs).unref();
      }
    }
  }

  override send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.childStdin();
    // Not started or closed: the SDK's own send rejects with its "Not connected".
    if (!stdin || this.options.sdkMessages) return super.send(message);
    // Before the write: the answer may come back before write() returns.
    this.answers?.sent(message);
    if (!this.flushScheduled && stdin.writable) {
      this.flushScheduled = true;
      stdin.cork();
      setImmediate(() => {
        this.flushScheduled = false;
        stdin.uncork();
      });
    }
    // The SDK's send, but not its one 'drain' listener per message: corked, a busy turn passes the 16 KiB
    // high-water mark, and every message after that would add one (Node warns past 10).
    if (stdin.write(serializeMessage(message)) || stdin.destroyed) return Promise.resolve();
    return this.drain(stdin);
  }

  /**
   * Resolves once the buffer has drained, or once stdin has closed (the child went away: the SDK's send
   * would wait forever; the session learns of it from the transport's onclose, and the write error from onerror).
   */
  private drain(stdin: Writable): Promise<void> {
    this.drained ??= new Promise<void>((resolve) => {
      const done = () => {
        stdin.off('drain', done);
        stdin.off('close', done);
        this.drained = undefined;
        resolve();
      };
      stdin.on('drain', done);
      stdin.on('close', done);
    });
    return this.drained;
  }

  /**
   * Whether sends are being batched: false with `sdkMessages`, and if the SDK ever renames the private field
   * holding the child, in which case every message is written on its own by the SDK's send.
   */
  get batching(): boolean {
    return !this.options.sdkMessages && this.childStdin() !== undefined;
  }

  private childStdin(): Writable | undefined {
    return this.child()?.stdin ?? undefined;
  }

  private child(): ChildProcess | undefined {
    return stdioChild(this);
  }
}
