import { describe, expect, it } from 'vitest';
import { selectForwardedHeaders, type ForwardingRules } from '../../src/mcp/forwardedHeaders.js';

const rules = (allow: string[], deny: string[] = [], extra: Partial<ForwardingRules> = {}): ForwardingRules => ({
  rules: { allow, deny, logNames: false },
  configured: {},
  authorizationReserved: false,
  ...extra,
});
const request = (pairs: Array<[string, string]>) => () => pairs;

describe('selectForwardedHeaders', () => {
  it('matches names case-insensitively, by exact name or prefix, and joins repeated headers', () => {
    const selected = selectForwardedHeaders(
      request([
        ['X-User-Id', '1'],
        ['x-user-role', 'admin'],
        ['X-Other', 'no'],
        ['X-Trace', 'a'],
        ['x-trace', 'b'],
      ]),
      rules(['x-user-*', 'x-trace']),
    );
    expect(selected).toEqual({ 'x-user-id': '1', 'x-user-role': 'admin', 'x-trace': 'a, b' });
  });

  it('never forwards credentials through a pattern, and Authorization never to an OAuth server even when named', () => {
    const headers = request([
      ['Authorization', 'Bearer x'],
      ['Cookie', 'a=b'],
      ['Proxy-Authorization', 'Basic y'],
    ]);
    expect(selectForwardedHeaders(headers, rules(['*']))).toBeUndefined();
    expect(selectForwardedHeaders(headers, rules(['authorization', 'cookie']))).toEqual({ authorization: 'Bearer x', cookie: 'a=b' });
    expect(selectForwardedHeaders(headers, rules(['authorization'], [], { authorizationReserved: true }))).toBeUndefined();
  });

  it("forwards a browser's Origin, Referer and Sec-* and proxies' X-Forwarded-* only when named exactly", () => {
    const headers = request([
      ['Origin', 'http://localhost:8000'],
      ['Referer', 'http://localhost:8000/docs'],
      ['Sec-Fetch-Site', 'same-origin'],
      ['X-Forwarded-For', '10.0.0.1'],
      ['X-User', 'u'],
    ]);
    expect(selectForwardedHeaders(headers, rules(['*']))).toEqual({ 'x-user': 'u' });
    expect(selectForwardedHeaders(headers, rules(['x-*']))).toEqual({ 'x-user': 'u' });
    expect(selectForwardedHeaders(headers, rules(['origin', 'x-forwarded-for']))).toEqual({ origin: 'http://localhost:8000', 'x-forwarded-for': '10.0.0.1' });
  });

  it('never forwards protocol or hop headers, nor a header the entry configures', () => {
    const selected = selectForwardedHeaders(
      request([
        ['Mcp-Session-Id', 'stolen'],
        ['Host', 'evil'],
        ['Content-Length', '5'],
        ['X-Api', 'mine'],
      ]),
      rules(['*'], [], { configured: { 'x-API': 'configured' } }),
    );
    expect(selected).toBeUndefined();
  });

  it('does not let a header named __proto__ reach the prototype', () => {
    const selected = selectForwardedHeaders(request([['__proto__', 'x']]), rules(['*']));
    expect(Object.getPrototypeOf(selected)).toBeNull();
    expect(selected!['__proto__']).toBe('x');
  });
});
