import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureServer } from '../helpers/inProcessRegistry.js';
import { createTestApp, type TestApp } from './setup.js';

describe('Swagger UI pages and assets', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.dispose();
  });

  it('serves a docs page that loads only local assets and points at the root document', async () => {
    t = await createTestApp();
    const res = await t.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).toContain('href="/docs/assets/swagger-ui.css"');
    expect(html).toContain('src="/docs/assets/swagger-ui-bundle.js"');
    expect(html).toContain('data-openapi-url="/openapi.json"');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script: the CSP forbids it
  });

  it('serves a per-server docs page pointing at that server document, reusing the same assets', async () => {
    t = await createTestApp();
    const html = await (await t.request('/beta/docs')).text();
    expect(html).toContain('data-openapi-url="/beta/openapi.json"');
    expect(html).toContain('src="/docs/assets/swagger-ui-bundle.js"');
    expect(html).toContain('<title>mcpo test: beta</title>');
    expect((await t.request('/gamma/docs')).status).toBe(404);
  });

  it('puts rootPath and pathPrefix into every URL the page gives the browser', async () => {
    t = await createTestApp({ rootPath: '/proxy', pathPrefix: '/api' });
    const res = await t.request('/api/docs');
    const html = await res.text();
    expect(html).toContain('data-openapi-url="/proxy/api/openapi.json"');
    expect(html).toContain('src="/proxy/api/docs/assets/swagger-ui-bundle.js"');
    expect((await t.request('/api/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
    expect((await t.request('/proxy/api/docs')).status).toBe(404);
    const slash = await t.request('/api/docs/');
    expect(slash.status).toBe(301);
    expect(slash.headers.get('location')).toBe('/proxy/api/docs');
  });

  it('redirects GET / and GET {prefix}/ to the docs page, rootPath included', async () => {
    t = await createTestApp();
    const root = await t.request('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/docs');
    await t.dispose();
    t = await createTestApp({ rootPath: '/ext', pathPrefix: '/api' });
    for (const path of ['/', '/api/', '/api']) {
      const res = await t.request(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location'), path).toBe('/ext/api/docs');
    }
  });

  it('serves the swagger-ui-dist files and the initializer with content types and cache headers', async () => {
    t = await createTestApp();
    const expected: Record<string, string> = {
      'swagger-ui.css': 'text/css; charset=utf-8',
      'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
      'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
      'favicon-32x32.png': 'image/png',
      'favicon-16x16.png': 'image/png',
      'mcpo-swagger-init.js': 'text/javascript; charset=utf-8',
    };
    for (const [file, type] of Object.entries(expected)) {
      const res = await t.request(`/docs/assets/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toBe(type);
      expect(res.headers.get('cache-control'), file).toBe('public, max-age=3600');
      expect((await res.arrayBuffer()).byteLength, file).toBeGreaterThan(100);
    }
    const init = await (await t.request('/docs/assets/mcpo-swagger-init.js')).text();
    expect(init).toContain('validatorUrl: null');
  });

  it('answers 304 for an unchanged asset and 404 for files it does not serve', async () => {
    t = await createTestApp();
    const first = await t.request('/docs/assets/swagger-ui.css');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await t.request('/docs/assets/swagger-ui.css', { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    for (const file of ['index.html', 'package.json', '..%2Fpackage.json', 'swagger-ui.js.map']) {
      expect((await t.request(`/docs/assets/${file}`)).status, file).toBe(404);
    }
  });

  it('marks assets private when they sit behind strictAuth', async () => {
    t = await createTestApp({ apiKey: 'k', strictAuth: true });
    const res = await t.request('/docs/assets/swagger-ui.css', { headers: { Authorization: 'Bearer k' } });
    expect(res.headers.get('cache-control')).toBe('private, max-age=3600');
  });

  it('serves the only server docs at the root in single mode', async () => {
    t = await createTestApp({ mode: 'single', servers: { solo: createFixtureServer() } });
    const html = await (await t.request('/docs')).text();
    expect(html).toContain('data-openapi-url="/openapi.json"');
    expect((await t.request('/solo/docs')).status).toBe(404);
  });
});
