/**
 * A tool call run as an MCP task (MCP 2025-11-25, Tasks), for tools whose `execution.taskSupport` is
 * `required`: such a server refuses a plain tools/call. The task is created, polled with tasks/get at the
 * server's `pollInterval`, and its result fetched with tasks/result, all within the call's deadline; a call
 * that runs out of time or whose client leaves cancels the task (tasks/cancel) rather than leaving it running.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  ErrorCode,
  GetTaskResultSchema,
  McpError,
  type CallToolResult,
  type Task,
} from '@modelcontextprotocol/sdk/types.js';
import { protocolSignal } from './sdkInternals.js';
import { isSessionLost } from './sessionLoss.js';
import type { CallSignal } from './types.js';

/** Polling more often than this would let a server (pollInterval 0) turn a call into a busy loop. */
export const MIN_POLL_INTERVAL_MS = 100;
/** When the server suggests no pollInterval. */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** The last poll goes out this long before the deadline, so its answer can still make it on a busy machine. */
export const LAST_LOOK_MARGIN_MS = 250;
/** How long a cancellation request may wait for its answer. */
export const CANCEL_TASK_MS = 2_000;

export interface TaskCall {
  tool: string;
  args: Record<string, unknown>;
  /** performance.now() time by which the result must be in. */
  deadline: number;
  signal?: CallSignal;
}

const FINISHED: ReadonlySet<Task['status']> = new Set(['completed', 'failed', 'cancelled']);

export async function callAsTask(client: Client, call: TaskCall): Promise<CallToolResult> {
  const timeLeft = () => Math.ceil(call.deadline - performance.now());
  const options = () => ({ timeout: Math.max(1, timeLeft()), signal: call.signal && protocolSignal(call.signal) });
  const created = await client.request({ method: 'tools/call', params: { name: call.tool, arguments: call.args, task: {} } }, CreateTaskResultSchema, options());
  let task: Task = created.task;
  try {
    // input_required: the server waits for something it delivers through tasks/result (which blocks until the task ends).
    while (!FINISHED.has(task.status) && task.status !== 'input_required') {
      // The server's interval, but never past the deadline: a last look just before it rather than giving up early.
      const wait = Math.min(Math.max(MIN_POLL_INTERVAL_MS, task.pollInterval ?? DEFAULT_POLL_INTERVAL_MS), timeLeft() - LAST_LOOK_MARGIN_MS);
      if (wait <= 0) throw new McpError(ErrorCode.RequestTimeout, `the task ${task.taskId} was still ${task.status} when the call's time ran out`);
      await sleep(wait, call.signal);
      task = await client.request({ method: 'tasks/get', params: { taskId: task.taskId } }, GetTaskResultSchema, options());
    }
    if (task.status === 'cancelled') throw new McpError(ErrorCode.InternalError, `the server cancelled the task${task.statusMessage ? `: ${task.statusMessage}` : ''}`);
    return (await client.request({ method: 'tasks/result', params: { taskId: task.taskId } }, CallToolResultSchema, options())) as CallToolResult;
  } catch (error) {
    // Not awaited: the call's answer must not wait past its deadline for the server to acknowledge.
    if (!FINISHED.has(task.status)) void cancelTask(client, task.taskId);
    // The task exists, so the tool has run or is running: whatever failed now (a lost session included) must never
    // be taken for a refusal that proves the call did not run, which the caller would retry.
    throw isSessionLost(error) ? new McpError(ErrorCode.ConnectionClosed, `the session was lost while task ${task.taskId} ran; it may have run`) : error;
  }
}

/** Asks the server to stop the task; bounded, and never throws (the call's own error is what the caller gets). */
async function cancelTask(client: Client, taskId: string): Promise<void> {
  await client.request({ method: 'tasks/cancel', params: { taskId } }, GetTaskResultSchema, { timeout: CANCEL_TASK_MS }).catch(() => {});
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: CallSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
