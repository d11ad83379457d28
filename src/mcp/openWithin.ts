/**
 * One connect attempt's work, bounded: open a client (transport + initialize) and list its tools within the
 * connect timeout. An attempt the timeout abandons may still finish in the background: whatever it opened is
 * closed (so no stdio child is left behind) and its listing is aborted (a server's endless pages must not go on
 * filling memory).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { openClient, type OpenClientOptions, type OpenedClient } from './connect.js';
import type { Tool } from './types.js';

export interface OpenedAndListed extends OpenedClient {
  tools: Tool[];
}

export async function openWithin(
  timeoutMs: number,
  options: OpenClientOptions,
  list: (client: Client, signal: AbortSignal) => Promise<Tool[]>,
): Promise<OpenedAndListed> {
  let timer: NodeJS.Timeout | undefined;
  let attempt: Client | undefined;
  const abandoned = new AbortController();
  const opening = openClient({
    ...options,
    onAttempt: (client) => {
      if (client) attempt = client;
      options.onAttempt(client);
    },
  }).then(async (opened) => {
    try {
      return { ...opened, tools: await list(opened.client, abandoned.signal) };
    } catch (error) {
      await opened.client.close().catch(() => {});
      throw error;
    }
  });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandoned.abort();
      void attempt?.close().catch(() => {});
      void opening.then((opened) => opened.client.close()).catch(() => {});
      reject(new Error(`connecting took longer than ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([opening, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
