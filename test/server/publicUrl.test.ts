import { afterEach, describe, expect, it } from 'vitest';
import { linkBase, resolvePublicAddress } from '../../src/server/publicUrl.js';
import { createTestApp, type TestApp } from './setup.js';

describe('the public URL and the path prefixes', () => {
  it('takes a proxy that strips the public path when given the public URL alone', () => {
    expect(resolvePublicAddress({ publicUrl: 'http://127.0.0.1:8080/tools/mcpo/' })).toEqual({
      publicUrl: 'http://127.0.0.1:8080/tools/mcpo',
      rootPath: '/tools/mcpo',
      pathPrefix: '',
    });
    expect(resolvePublicAddress({ publicUrl: 'https://tools.example.com' })).toEqual({ publicUrl: 'https://tools.example.com', rootPath: '', pathPrefix: '' });
  });

  it('derives the prefix that was left out from the public path, and accepts two that add up to it', () => {
    expect(resolvePublicAddress({ publicUrl: 'https://h/tools/mcpo', pathPrefix: '/mcpo' })).toMatchObject({ rootPath: '/tools', pathPrefix: '/mcpo' });
    expect(resolvePublicAddress({ publicUrl: 'https://h/tools/mcpo', pathPrefix: 'tools/mcpo' })).toMatchObject({ rootPath: '', pathPrefix: '/tools/mcpo' });
    expect(resolvePublicAddress({ publicUrl: 'https://h/tools/mcpo', rootPath: '/tools' })).toMatchObject({ rootPath: '/tools', pathPrefix: '/mcpo' });
    expect(resolvePublicAddress({ publicUrl: 'https://h/a/b', rootPath: '/a', pathPrefix: '/b' })).toMatchObject({ rootPath: '/a', pathPrefix: '/b' });
  });

  it('refuses prefixes that contradict the public path, naming the options and what they make', () => {
    expect(() => resolvePublicAddress({ publicUrl: 'https://h/tools/mcpo', rootPath: '/a', pathPrefix: '/b' })).toThrow(
      /--public-url https:\/\/h\/tools\/mcpo has the path "\/tools\/mcpo", but --root-path \/a and --path-prefix \/b make "\/a\/b"/,
    );
    expect(() => resolvePublicAddress({ publicUrl: 'https://h/tools/xmcpo', pathPrefix: '/mcpo' })).toThrow(/does not end with --path-prefix \/mcpo/);
    expect(() => resolvePublicAddress({ publicUrl: 'https://h/toolsx', rootPath: '/tools' })).toThrow(/does not start with --root-path \/tools/);
    expect(() => resolvePublicAddress({ publicUrl: 'https://h/', pathPrefix: '/api' })).toThrow(/has the path "\/"/);
  });

  it('refuses a public URL that is not an absolute http(s) URL, or carries credentials, a query or a fragment', () => {
    for (const [value, why] of [
      ['tools.example.com/mcpo', /absolute http/],
      ['ftp://h/x', /absolute http/],
      ['https://user:pw@h/x', /user name or password/],
      ['https://h/x?a=1', /query or fragment/],
      ['https://h/x#top', /query or fragment/],
    ] as const) {
      expect(() => resolvePublicAddress({ publicUrl: value, names: { publicUrl: 'MCPO_PUBLIC_URL' } }), value).toThrow(why);
      expect(() => resolvePublicAddress({ publicUrl: value, names: { publicUrl: 'MCPO_PUBLIC_URL' } }), value).toThrow(/^MCPO_PUBLIC_URL /);
    }
  });

  it('builds links from the public URL, else from the listening URL with a wildcard address made loopback', () => {
    expect(linkBase({ publicUrl: 'https://h/tools', rootPath: '/tools', pathPrefix: '' }, 'http://0.0.0.0:8000')).toBe('https://h/tools');
    expect(linkBase({ rootPath: '/ext', pathPrefix: '/api' }, 'http://0.0.0.0:8000')).toBe('http://127.0.0.1:8000/ext/api');
    expect(linkBase({ rootPath: '', pathPrefix: '' }, 'http://[::]:8000')).toBe('http://[::1]:8000');
    expect(linkBase({ rootPath: '', pathPrefix: '' }, 'https://127.0.0.1:9')).toBe('https://127.0.0.1:9');
  });
});

describe('documents under a public URL', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.dispose();
  });

  it("give absolute servers URLs under the public URL, and serve under the prefix the proxy leaves", async () => {
    t = await createTestApp({ publicUrl: 'https://tools.example.com/tools/mcpo', pathPrefix: '/mcpo' });
    const root = (await (await t.app.request('/mcpo/openapi.json')).json()) as { servers: { url: string }[] };
    expect(root.servers).toEqual([{ url: 'https://tools.example.com/tools/mcpo' }]);
    const alpha = (await (await t.app.request('/mcpo/alpha/openapi.json')).json()) as { servers: { url: string }[] };
    expect(alpha.servers).toEqual([{ url: 'https://tools.example.com/tools/mcpo/alpha' }]);
    const docs = await (await t.app.request('/mcpo/docs')).text();
    expect(docs).toContain('/tools/mcpo/openapi.json');
  });
});
