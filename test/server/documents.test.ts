import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureServer } from '../helpers/inProcessRegistry.js';
import { createTestApp, post, TEST_INFO, type TestApp } from './setup.js';

interface Doc {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers: { url: string }[];
  paths: Record<string, unknown>;
}

async function getDoc(t: TestApp, path: string): Promise<{ doc: Doc; etag: string | null; status: number }> {
  const res = await t.request(path);
  return { status: res.status, etag: res.headers.get('etag'), doc: (await res.json()) as Doc };
}

describe('OpenAPI documents', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.dispose();
  });

  it('serves a root document with every server tool under /{server}/{tool}', async () => {
    t = await createTestApp();
    const { doc, status } = await getDoc(t, '/openapi.json');
    expect(status).toBe(200);
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(doc.info).toMatchObject({ title: TEST_INFO.title, version: TEST_INFO.version });
    expect(doc.servers[0]?.url).toBe('/');
    expect(Object.keys(doc.paths)).toContain('/alpha/echo');
    expect(Object.keys(doc.paths)).toContain('/beta/weather');
    expect(Object.keys(doc.paths)).toHaveLength(14);
  });

  it('serves a per-server document with tools at /{tool} and the server in servers[0].url', async () => {
    t = await createTestApp();
    const { doc } = await getDoc(t, '/beta/openapi.json');
    expect(doc.servers[0]?.url).toBe('/beta');
    expect(Object.keys(doc.paths).sort()).toEqual(['/add', '/echo', '/fail', '/image', '/ping', '/slow', '/weather']);
    expect((await t.request('/gamma/openapi.json')).status).toBe(404);
  });

  it('includes rootPath and pathPrefix in servers[0].url and serves under pathPrefix only', async () => {
    t = await createTestApp({ rootPath: '/behind/proxy/', pathPrefix: 'api' });
    expect((await getDoc(t, '/api/openapi.json')).doc.servers[0]?.url).toBe('/behind/proxy/api');
    expect((await getDoc(t, '/api/alpha/openapi.json')).doc.servers[0]?.url).toBe('/behind/proxy/api/alpha');
    expect((await post(t, '/api/alpha/echo', { text: 'x' })).status).toBe(200);
    expect((await post(t, '/alpha/echo', { text: 'x' })).status).toBe(404);
  });

  it('keeps serving the same document with the same ETag until something changes, with 304 on revalidation', async () => {
    t = await createTestApp();
    const first = await t.request('/openapi.json');
    const second = await t.request('/openapi.json');
    expect(first.headers.get('etag')).toBeTruthy();
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await second.text()).toBe(await first.text());
    const revalidated = await t.request('/openapi.json', { headers: { 'If-None-Match': first.headers.get('etag')! } });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe('');
  });

  it('rebuilds documents and routes when a server tools change: a new tool is callable, a removed one is 404', async () => {
    const alpha = createFixtureServer();
    t = await createTestApp({ servers: { alpha, beta: createFixtureServer() } });
    const before = await getDoc(t, '/openapi.json');
    const alphaBefore = await getDoc(t, '/alpha/openapi.json');
    const betaBefore = await getDoc(t, '/beta/openapi.json');
    expect((await post(t, '/alpha/shout', { text: 'x' })).status).toBe(404);

    alpha.registerTool('shout', { inputSchema: { text: z.string() } }, ({ text }) => ({
      content: [{ type: 'text', text: text.toUpperCase() }],
    }));
    await t.registry.refreshTools('alpha');

    const after = await getDoc(t, '/openapi.json');
    expect(after.etag).not.toBe(before.etag);
    expect(Object.keys(after.doc.paths)).toContain('/alpha/shout');
    expect((await getDoc(t, '/alpha/openapi.json')).etag).not.toBe(alphaBefore.etag);
    expect((await getDoc(t, '/beta/openapi.json')).etag).toBe(betaBefore.etag);
    const shout = await post(t, '/alpha/shout', { text: 'quiet' });
    expect(shout.status).toBe(200);
    expect(JSON.stringify(await shout.json())).toContain('QUIET');
    expect((await post(t, '/alpha/shout', { text: 42 })).status).toBe(422);

    // The tool disappears upstream; until the registry reports it the old catalog stays, then 404.
    const echo = (alpha as unknown as { _registeredTools: Record<string, { remove(): void }> })._registeredTools.echo;
    echo?.remove();
    await t.registry.refreshTools('alpha');
    expect(Object.keys((await getDoc(t, '/openapi.json')).doc.paths)).not.toContain('/alpha/echo');
    const gone = await post(t, '/alpha/echo', { text: 'x' });
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('TOOL_NOT_FOUND');
  });

  it('routes tool names with dots and slashes as the documents encode them', async () => {
    const server = createFixtureServer();
    for (const name of ['files.read', 'ns/tool']) {
      server.registerTool(name, { description: `the ${name} tool` }, () => ({ content: [{ type: 'text', text: name }] }));
    }
    t = await createTestApp({ servers: { alpha: server } });
    const paths = Object.keys((await getDoc(t, '/alpha/openapi.json')).doc.paths);
    expect(paths).toContain('/files.read');
    expect(paths).toContain('/ns%2Ftool');
    expect(await (await post(t, '/alpha/files.read')).json()).toBe('files.read');
    expect(await (await post(t, '/alpha/ns%2Ftool')).json()).toBe('ns/tool');
    expect(await (await post(t, '/alpha/ns/tool')).json()).toBe('ns/tool');
  });

  it('serves servers added at runtime and forgets removed ones', async () => {
    t = await createTestApp();
    await t.registry.add('gamma', createFixtureServer());
    expect(Object.keys((await getDoc(t, '/openapi.json')).doc.paths)).toContain('/gamma/add');
    expect((await post(t, '/gamma/add', { a: 2, b: 3 })).status).toBe(200);
    await t.registry.remove('alpha');
    expect(Object.keys((await getDoc(t, '/openapi.json')).doc.paths)).not.toContain('/alpha/add');
    expect((await post(t, '/alpha/add', { a: 2, b: 3 })).status).toBe(404);
    expect((await t.request('/alpha/openapi.json')).status).toBe(404);
  });

  it('lists servers that are not connected in the root description, with the authorization link', async () => {
    t = await createTestApp();
    const before = await getDoc(t, '/openapi.json');
    expect(before.doc.info.description).toBe(TEST_INFO.description);

    t.registry.setState('alpha', 'needs_authorization', { authorizationUrl: 'https://auth.example/authorize?client_id=mcpo' });
    t.registry.setState('beta', 'failed', { error: 'spawn ENOENT [see](javascript:alert(1))' });
    const after = await getDoc(t, '/openapi.json');
    expect(after.etag).not.toBe(before.etag);
    const description = after.doc.info.description ?? '';
    expect(description).toContain(TEST_INFO.description);
    expect(description).toContain('`alpha`: needs authorization: [authorize in your browser](https://auth.example/authorize?client_id=mcpo)');
    expect(description).toContain('`beta`: failed: spawn ENOENT');
    expect(description).not.toContain('](javascript:');
    expect((await getDoc(t, '/alpha/openapi.json')).doc.info.description).toContain('[authorize in your browser](https://auth.example/');
    // Status changes alone keep the compiled catalog: the tools stay documented (calls answer 503).
    expect(Object.keys(after.doc.paths)).toContain('/beta/add');

    t.registry.setState('alpha', 'connected');
    t.registry.setState('beta', 'connected');
    expect((await getDoc(t, '/openapi.json')).doc.info.description).toBe(TEST_INFO.description);
  });

  it('serves the only server at the root in single mode', async () => {
    t = await createTestApp({ mode: 'single', servers: { solo: createFixtureServer() }, pathPrefix: '/x' });
    const { doc } = await getDoc(t, '/x/openapi.json');
    expect(doc.servers[0]?.url).toBe('/x');
    expect(Object.keys(doc.paths)).toContain('/echo');
    expect(doc.info.title).toBe(TEST_INFO.title);
    const res = await post(t, '/x/add', { a: 1, b: 1 });
    expect(res.status).toBe(200);
    expect((await post(t, '/x/solo/add', { a: 1, b: 1 })).status).toBe(404);
  });

  it('refuses single mode with more than one server', async () => {
    await expect(createTestApp({ mode: 'single' })).rejects.toMatchObject({ code: 'USAGE' });
    t = await createTestApp();
  });

  it('stops following registry changes after close()', async () => {
    t = await createTestApp();
    expect(t.registry.listenerCount).toBe(1);
    t.close();
    expect(t.registry.listenerCount).toBe(0);
  });
});
