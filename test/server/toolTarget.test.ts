/**
 * The rule that splits requests between the tool route and the app, and how a claimed target is read
 * (src/server/toolTarget.ts). Through the listener: toolRoute.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { decodePathPart, toolTargets } from '../../src/server/toolTarget.js';

describe('which requests the tool route claims', () => {
  it('every POST but the app\'s OAuth paths, and nothing else', () => {
    const claim = toolTargets('');
    for (const path of ['/alpha/echo', '/', '/healthz', '/docs', '/alpha/openapi.json']) expect(claim('POST', path)?.path, path).toBe(path);
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'post']) expect(claim(method, '/alpha/echo'), method).toBeUndefined();
  });

  it('under a prefix: every POST to the prefix or below it, written plainly or with escapes', () => {
    const claim = toolTargets('/api/v1');
    expect(claim('POST', '/api/v1/alpha/echo')).toEqual({ path: '/api/v1/alpha/echo', authority: undefined, rest: 'alpha/echo' });
    expect(claim('POST', '/api/v1')).toEqual({ path: '/api/v1', authority: undefined, rest: undefined });
    expect(claim('POST', '/api/v1/')).toMatchObject({ rest: '' });
    expect(claim('POST', '/ap%69/v%31/alpha/echo')).toMatchObject({ path: '/ap%69/v%31/alpha/echo', rest: 'alpha/echo' });
    expect(claim('POST', '/api/v1/../v1/alpha/echo')).toMatchObject({ path: '/api/v1/alpha/echo', rest: 'alpha/echo' });
    for (const outside of ['/api', '/api/v10/alpha/echo', '/api/v2/alpha/echo', '/alpha/echo', '/api/v1x', '/api%2Fv1/alpha/echo', '/api/v1/../../alpha/echo']) {
      expect(claim('POST', outside), outside).toBeUndefined();
    }
  });
});

describe('the app\'s OAuth paths: {pathPrefix}/oauth and below (the connections page\'s buttons)', () => {
  it('are left to the app, written plainly, with escapes, with dot segments or in absolute form', () => {
    for (const prefix of ['', '/api/v1']) {
      const claim = toolTargets(prefix);
      for (const path of ['/oauth', '/oauth/', '/oauth/connect', '/oauth/disconnect', '/oauth/x/connect', '/%6Fauth/connect', '/alpha/../oauth/connect']) {
        expect(claim('POST', `${prefix}${path}`), `${prefix}${path}`).toBeUndefined();
        expect(claim('POST', `http://localhost${prefix}${path}?q=1`), `absolute ${prefix}${path}`).toBeUndefined();
      }
      // Only the whole first segment below the prefix: other names that merely contain it are tool paths.
      for (const path of ['/oauthx/echo', '/oauth%2Fconnect', '/alpha/oauth', '/alpha/oauth/connect', '/OAuth/connect']) {
        expect(claim('POST', `${prefix}${path}`), `${prefix}${path}`).toMatchObject({ path: `${prefix}${path}` });
      }
    }
    // Under a prefix, /oauth outside it is no more the tool route's than any other path outside it.
    expect(toolTargets('/api/v1')('POST', '/oauth/connect')).toBeUndefined();
    expect(toolTargets('/api')('POST', '/api/oauth/../alpha/echo')).toMatchObject({ rest: 'alpha/echo' });
  });
});

describe('reading a claimed target', () => {
  const claim = toolTargets('');

  it('takes a plain path as written, without its query', () => {
    expect(claim('POST', '/alpha/files/read?token=x')).toEqual({ path: '/alpha/files/read', authority: undefined, rest: 'alpha/files/read' });
    expect(claim('POST', "/a-b.c_d~!$&'()*+,;=:@/e")).toMatchObject({ rest: "a-b.c_d~!$&'()*+,;=:@/e" });
  });

  it('resolves dot segments, escaped ones too, as URL parsing does, and never reads "//x" as a host', () => {
    expect(claim('POST', '/beta/../alpha/./echo')?.rest).toBe('alpha/echo');
    expect(claim('POST', '/beta/%2e%2E/alpha/echo')?.rest).toBe('alpha/echo');
    expect(claim('POST', '/../../alpha/echo')?.rest).toBe('alpha/echo');
    expect(claim('POST', '//evil/../alpha/echo')).toMatchObject({ path: '//alpha/echo', authority: undefined });
    expect(claim('POST', '/alpha/echo#part')?.rest).toBe('alpha/echo');
  });

  it('keeps escapes for the route to decode part by part, so %2F stays inside a name', () => {
    expect(claim('POST', '/alpha/ns%2Ftool')?.rest).toBe('alpha/ns%2Ftool');
    expect(decodePathPart('ns%2Ftool')).toBe('ns/tool');
    expect(decodePathPart('caf%C3%A9')).toBe('café');
    expect(decodePathPart('plain')).toBe('plain');
    for (const bad of ['%', '%zz', '%E0%A4']) expect(() => decodePathPart(bad), bad).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('reads the host of an absolute-form target, which stands for the Host header', () => {
    expect(claim('POST', 'http://Evil.Example:8000/alpha/echo?q=1')).toEqual({ path: '/alpha/echo', authority: 'evil.example:8000', rest: 'alpha/echo' });
    expect(claim('POST', 'HTTPS://localhost/alpha/./echo')).toMatchObject({ authority: 'localhost', rest: 'alpha/echo' });
  });

  it('claims what it cannot read, to refuse it with 400 rather than guess', () => {
    for (const target of ['/alpha\\echo', 'http://evil@localhost/alpha/echo', 'http://localhost/alpha\\echo', 'http://[::1/alpha/echo', 'alpha/echo', '*', 'ftp://localhost/alpha/echo']) {
      const read = claim('POST', target);
      expect(read?.problem, target).toMatchObject({ code: 'BAD_REQUEST' });
      expect(read?.rest, target).toBeUndefined();
    }
    expect(claim('POST', 'http://x/alpha?secret=1&y')?.path).not.toContain('secret');
    expect(claim('POST', 'nonsense?secret=1')?.path).toBe('nonsense');
  });
});
