/**
 * The demo MCP server: three tools with input and output schemas. One McpServer per session, because
 * an McpServer instance serves exactly one transport connection.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';

/** Name and version the server reports in `initialize`. */
export const DEMO_SERVER_INFO = { name: 'mcpo-oauth-example', version: '1.0.0' } as const;

/** Demo prices in USD. Fixed on purpose: tests and screenshots should show the same numbers every time. */
export const STOCK_PRICES: Readonly<Record<string, number>> = {
  AAPL: 189.84,
  AMZN: 185.07,
  GOOGL: 171.95,
  MSFT: 415.5,
  NVDA: 120.88,
  TSLA: 248.23,
};

/** A fresh McpServer with `echo`, `sum`, `stock_price` and `whoami`. */
export function createDemoMcpServer(): McpServer {
  const server = new McpServer(DEMO_SERVER_INFO);

  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description: 'Returns the message it was given.',
      inputSchema: { message: z.string().describe('Text to send back') },
      outputSchema: { message: z.string().describe('The same text') },
    },
    async ({ message }) => ({
      content: [{ type: 'text', text: message }],
      structuredContent: { message },
    }),
  );

  server.registerTool(
    'sum',
    {
      title: 'Sum',
      description: 'Adds two numbers.',
      inputSchema: { a: z.number().describe('First addend'), b: z.number().describe('Second addend') },
      outputSchema: { result: z.number().describe('a + b') },
    },
    async ({ a, b }) => {
      const result = a + b;
      return { content: [{ type: 'text', text: JSON.stringify({ result }) }], structuredContent: { result } };
    },
  );

  server.registerTool(
    'stock_price',
    {
      title: 'Stock price',
      description: `Demo price of a stock from a fixed table (${Object.keys(STOCK_PRICES).join(', ')}). Needs the tools:execute:finance scope.`,
      inputSchema: { symbol: z.string().min(1).max(10).describe('Ticker symbol, e.g. AAPL') },
      outputSchema: {
        symbol: z.string().describe('Ticker symbol, upper case'),
        price: z.number().describe('Demo price'),
        currency: z.literal('USD'),
      },
    },
    async ({ symbol }) => {
      const ticker = symbol.toUpperCase();
      const price = STOCK_PRICES[ticker];
      if (price === undefined) {
        // A tool error (isError), not a protocol error: the call was well formed, the symbol is just unknown.
        return {
          isError: true,
          content: [{ type: 'text', text: `Unknown symbol "${ticker}". Known: ${Object.keys(STOCK_PRICES).join(', ')}` }],
        };
      }
      const structuredContent = { symbol: ticker, price, currency: 'USD' as const };
      return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
    },
  );

  server.registerTool(
    'whoami',
    {
      title: 'Who am I',
      description: 'The account the access token of this request acts for (the subject approved on the consent page).',
      inputSchema: {},
      outputSchema: { subject: z.string().describe('The approving account') },
    },
    async (_args, extra) => {
      const subject = typeof extra.authInfo?.extra?.subject === 'string' ? extra.authInfo.extra.subject : 'unknown';
      return { content: [{ type: 'text', text: subject }], structuredContent: { subject } };
    },
  );

  return server;
}
