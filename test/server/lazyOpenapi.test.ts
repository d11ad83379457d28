/**
 * The OpenAPI code (catalogs with their validators, documents) is loaded on first need rather than at start-up
 * (src/server/openapiBuilders.ts). Requests that arrive while it is still loading must wait for it, not fail.
 * This file must not load it any other way first: each test file gets its own module instances.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { whenOpenApiReady } from '../../src/server/openapiBuilders.js';
import { createTestApp, post, type TestApp } from './setup.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

describe('the first requests after start-up', () => {
  it('are answered as usual while the OpenAPI code is still loading: documents, validated calls, 405 on a tool path', async () => {
    t = await createTestApp();
    expect(whenOpenApiReady()).toBeInstanceOf(Promise);
    const [document, call, invalid, wrongMethod] = await Promise.all([
      t.request('/openapi.json'),
      post(t, '/alpha/echo', { text: 'hi' }),
      post(t, '/alpha/echo', { text: 5 }),
      t.request('/alpha/echo'),
    ]);
    expect(document.status).toBe(200);
    expect(Object.keys(((await document.json()) as { paths: object }).paths)).toContain('/alpha/echo');
    expect(call.status).toBe(200);
    expect(await call.json()).toBe('hi');
    expect(invalid.status).toBe(422);
    expect(wrongMethod.status).toBe(405);
    expect(whenOpenApiReady()).toBeUndefined();
  });
});
