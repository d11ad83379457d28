/**
 * Issue #14 item 4: property names that are also Object.prototype's (`constructor`, `toString`, `valueOf`,
 * `hasOwnProperty`, `__proto__`). One such tool made /openapi.json and its server's document answer 500 (so /docs
 * showed nothing for any server), its call 500, and `required: ["toString"]` accepted {}. The server here is a real
 * SDK server whose tools/list hands out raw JSON Schemas as JSON.parse makes them (own `__proto__` keys included).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureServer } from '../helpers/inProcessRegistry.js';
import { createTestApp, post, type TestApp } from '../server/setup.js';

const TOOLS = JSON.parse(`[
  { "name": "count", "inputSchema": { "type": "object", "properties": { "constructor": { "type": "integer" } } } },
  { "name": "named", "inputSchema": { "type": "object", "properties": { "toString": { "type": "string" } }, "required": ["toString"] } },
  { "name": "many", "inputSchema": { "type": "object", "properties": {
      "valueOf": { "type": "string" }, "hasOwnProperty": { "type": "string" },
      "inner": { "type": "object", "properties": { "constructor": { "type": "string" } }, "required": ["__proto__"] }
  } } },
  { "name": "proto", "inputSchema": { "type": "object", "properties": {
      "inner": { "type": "object", "properties": { "__proto__": { "type": "integer" } }, "additionalProperties": false },
      "n": { "type": "integer" }
  } } },
  { "name": "pick", "inputSchema": { "type": "object", "properties": { "choice": { "oneOf": [
      { "type": "object", "properties": { "constructor": { "const": "a" } }, "required": ["constructor"] },
      { "type": "object", "properties": { "constructor": { "const": "b" } }, "required": ["constructor"] }
  ] } } } }
]`);

/** Answers every call with the arguments it received, as JSON text (so the test sees what reached the server). */
function prototypeNamesServer(): McpServer {
  const mcp = new McpServer({ name: 'prototype-names', version: '1.0.0' });
  mcp.server.registerCapabilities({ tools: {} });
  mcp.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
  mcp.server.setRequestHandler(CallToolRequestSchema, async (request) => ({
    content: [{ type: 'text', text: JSON.stringify(request.params.arguments ?? null) }],
  }));
  return mcp;
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ servers: { odd: prototypeNamesServer(), alpha: createFixtureServer() } });
});
afterAll(async () => {
  await t.dispose();
});

describe('tools whose properties are named like Object.prototype members', () => {
  it('leave /openapi.json, the server document and /docs answering 200, with every property documented', async () => {
    for (const path of ['/openapi.json', '/odd/openapi.json', '/alpha/openapi.json', '/docs']) {
      expect((await t.request(path)).status, path).toBe(200);
    }
    const text = await (await t.request('/odd/openapi.json')).text();
    const doc = JSON.parse(text) as { paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: object }> } };
    expect(Object.keys(doc.paths)).toEqual(['/count', '/named', '/many', '/proto', '/pick']);
    expect(Object.keys(doc.components.schemas['odd__count.Input']!.properties!)).toEqual(['constructor']);
    expect(Object.keys(doc.components.schemas['odd__named.Input']!.properties!)).toEqual(['toString']);
    // An own "__proto__" key, not a replaced prototype: it is in the JSON served.
    expect(text).toContain('"properties":{"__proto__":{"type":"integer"}},"additionalProperties":false');
    const root = JSON.parse(await (await t.request('/openapi.json')).text()) as { paths: Record<string, unknown> };
    expect(Object.keys(root.paths)).toEqual(expect.arrayContaining(['/odd/count', '/odd/many', '/alpha/echo']));
  });

  it('refuse {} with 422 when `required` names toString', async () => {
    const res = await post(t, '/odd/named', {});
    expect(res.status).toBe(422);
    expect((await res.json()).error.details.problems).toEqual([{ path: '/toString', message: 'Required property "toString" is missing.' }]);
    expect(await (await post(t, '/odd/named', { toString: 'x' })).json()).toEqual({ toString: 'x' });
  });

  it('pass {"constructor": 1} on to the server as an argument, and judge its value', async () => {
    const res = await post(t, '/odd/count', { constructor: 1 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ constructor: 1 });
    const wrong = await post(t, '/odd/count', { constructor: 'x' });
    expect(wrong.status).toBe(422);
    expect((await wrong.json()).error.details.problems).toEqual([{ path: '/constructor', message: 'Must be integer, but got string "x".' }]);
  });

  it('judge only the properties the arguments hold themselves, __proto__ included', async () => {
    const absent = await post(t, '/odd/many', {});
    expect(absent.status).toBe(200);
    expect(await absent.json()).toEqual({});
    const missing = await post(t, '/odd/many', { inner: {} });
    expect(missing.status).toBe(422);
    expect((await missing.json()).error.details.problems).toEqual([{ path: '/inner/__proto__', message: 'Required property "__proto__" is missing.' }]);
    const wrong = await post(t, '/odd/many', '{"valueOf": 1, "inner": {"__proto__": "p", "constructor": 2}}');
    expect(wrong.status).toBe(422);
    expect((await wrong.json()).error.details.problems).toEqual([
      { path: '/valueOf', message: 'Must be string, but got integer 1.' },
      { path: '/inner/constructor', message: 'Must be string, but got integer 2.' },
    ]);
    const sent = '{"hasOwnProperty":"h","inner":{"__proto__":"p"}}';
    const ok = await post(t, '/odd/many', sent);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(sent);
  });

  it('serve a tool with a schema for a property named __proto__ unvalidated, with a warning, rather than misjudge it', async () => {
    // ajv never applies properties.__proto__ (its allSchemaProperties leaves the name out): before, {"__proto__": 5}
    // was refused as an additional property, and a wrong value went through. Now the server judges both.
    for (const body of ['{"inner":{"__proto__":5}}', '{"inner":{"__proto__":"five"}}', '{"inner":{"__proto__":5},"n":"x"}']) {
      const res = await post(t, '/odd/proto', body);
      expect(res.status, body).toBe(200);
      expect(await res.text()).toBe(body);
    }
    const warning = t.logs.find((line) => line.includes(' tool=proto '));
    expect(warning).toContain('cannot be compiled');
    expect(warning).toContain('/properties/inner/properties/__proto__');
    // The tool keeps its documentation, the property its schema.
    const doc = JSON.parse(await (await t.request('/odd/openapi.json')).text()) as { components: { schemas: Record<string, { properties: { inner: object } }> } };
    expect(JSON.stringify(doc.components.schemas['odd__proto.Input']!.properties.inner)).toBe('{"type":"object","properties":{"__proto__":{"type":"integer"}},"additionalProperties":false}');
  });

  it('explain a union whose discriminator is named constructor', async () => {
    const res = await post(t, '/odd/pick', { choice: { constructor: 'c' } });
    expect(res.status).toBe(422);
    expect((await res.json()).error.details.problems).toEqual([
      { path: '/choice/constructor', message: 'Must be one of "a", "b" (what the alternatives of the oneOf accept here), but got string "c".' },
    ]);
    expect((await post(t, '/odd/pick', { choice: { constructor: 'b' } })).status).toBe(200);
  });

  it('leave the other servers and their tools alone', async () => {
    const res = await post(t, '/alpha/echo', { text: 'hi' });
    expect(res.status).toBe(200);
    expect(await res.json()).toBe('hi');
    expect(t.logs.filter((line) => line.includes('ERROR'))).toEqual([]);
  });
});
