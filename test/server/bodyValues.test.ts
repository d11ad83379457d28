/**
 * Numbers a double cannot hold, through the real listener. Pins issue #12: `{"x": 1e400}` became Infinity, was
 * sent upstream as null and passed validation wherever null or any value was allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from './rawHttp.js';
import { createTestApp, type TestApp } from './setup.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.dispose();
});

const ping = (body: string) => send(t.port, { path: '/alpha/ping', body });

interface Envelope {
  error: { code: string; message: string; details?: { problems?: Array<{ path: string; message: string }> } };
}

describe('request bodies with numbers out of range of a double', () => {
  it('answers 422 naming the path of the number', async () => {
    // `ping` takes any object: before the fix this was a 200, the tool called with {"x": null}.
    const res = await ping('{"x": 1e400}');
    expect(res.status).toBe(422);
    const { error } = JSON.parse(res.body) as Envelope;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/out of range of a double/);
    expect(error.details?.problems).toEqual([{ path: '/x', message: expect.stringMatching(/out of range of a double/) }]);
  });

  it('names every such number, nested, negative or written as a long run of digits, with escaped pointers', async () => {
    const body = `{"a": [1, -1E+309, {"b/c": ${'9'.repeat(400)}}], "d": {"e~f": 2e308}, "ok": 1.7976931348623157e308}`;
    const res = await ping(body);
    expect(res.status).toBe(422);
    const paths = (JSON.parse(res.body) as Envelope).error.details?.problems?.map((problem) => problem.path);
    expect(paths).toEqual(['/a/1', '/a/2/b~1c', '/d/e~0f']);
  });

  it('lets the largest double, tiny numbers and numbers in strings through', async () => {
    const body = `{"max": 1.7976931348623157e308, "min": -1.7976931348623157E+308, "tiny": 1e-400, "text": "1e400 ${'9'.repeat(400)}"}`;
    expect((await ping(body)).status).toBe(200);
  });

  it('still answers 400 for a body nested too deep that also holds such a number', async () => {
    const body = `{"x": 1e400, "y": ${'['.repeat(300)}${']'.repeat(300)}}`;
    const res = await ping(body);
    expect(res.status).toBe(400);
    expect((JSON.parse(res.body) as Envelope).error.code).toBe('BAD_REQUEST');
  });
});
