// A stdio MCP server (the real SDK, with its task store) whose task tools misbehave in the ways a call must
// survive: `never-ends` creates a task that stays "working" and suggests pollInterval 0 (a busy loop, if
// obeyed); `quick` completes after two polls. `tasks-seen` (a plain tool) reports every task's status and how
// many tasks/get polls came, so a test can see a cancellation arrive and count the polls.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import { z } from 'zod';

const taskStore = new InMemoryTaskStore();
/** tasks/get requests seen (the SDK answers them from the store; the tool's getTask handler is not called). */
let polls = 0;
/** Task id -> polls left before the task completes with its result. */
const finishing = new Map();

const server = new McpServer(
  { name: 'task-server', version: '1.0.0' },
  { capabilities: { tools: {}, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } }, taskStore },
);
const seen = [];

server.experimental.tasks.registerToolTask(
  'never-ends',
  { description: 'A task that never finishes', inputSchema: { label: z.string() }, execution: { taskSupport: 'required' } },
  {
    createTask: async (_args, extra) => {
      const task = await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 0 });
      seen.push(task.taskId);
      return { task };
    },
    getTask: async (_args, extra) => extra.taskStore.getTask(extra.taskId),
    getTaskResult: async (_args, extra) => extra.taskStore.getTaskResult(extra.taskId),
  },
);

server.experimental.tasks.registerToolTask(
  'quick',
  { description: 'A task that completes after two polls', inputSchema: { label: z.string() }, execution: { taskSupport: 'required' } },
  {
    createTask: async ({ label }, extra) => {
      const task = await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 150 });
      seen.push(task.taskId);
      finishing.set(task.taskId, { polls: 2, result: { content: [{ type: 'text', text: `done: ${label}` }] } });
      return { task };
    },
    getTask: async (_args, extra) => extra.taskStore.getTask(extra.taskId),
    getTaskResult: async (_args, extra) => extra.taskStore.getTaskResult(extra.taskId),
  },
);

server.registerTool('tasks-seen', { inputSchema: {} }, async () => {
  const tasks = await Promise.all(seen.map(async (id) => ({ id, status: (await taskStore.getTask(id))?.status })));
  return { content: [{ type: 'text', text: JSON.stringify({ polls, tasks }) }] };
});

const transport = new StdioServerTransport();
await server.connect(transport);
const handle = transport.onmessage;
transport.onmessage = (message, extra) => {
  if (message.method !== 'tasks/get') return handle(message, extra);
  polls++;
  const taskId = message.params.taskId;
  const left = finishing.get(taskId);
  if (!left || --left.polls > 0) return handle(message, extra);
  finishing.delete(taskId);
  void taskStore.storeTaskResult(taskId, 'completed', left.result).then(() => handle(message, extra));
};
