import { describe, expect, it } from 'vitest';
import { ConnectLinks, USER_CONNECT_PATH } from '../../src/oauth/connectLinks.js';

describe('signed connect links of per-user servers', () => {
  it('grants the server and user it was made for until it expires, then says it expired', () => {
    let now = 1_000_000;
    const links = new ConnectLinks({ now: () => now, ttlMs: 60_000 });
    const link = new URL(links.link('https://tools.example/mcpo', 'linear', 'alice'));
    expect(link.pathname).toBe(`/mcpo${USER_CONNECT_PATH}`);
    expect(links.check(link.searchParams)).toEqual({ ok: true, grant: { server: 'linear', user: 'alice', expiresAt: 1_060_000 } });
    now = 1_060_000;
    expect(links.check(link.searchParams)).toEqual({ ok: false, why: 'expired' });
  });

  it('refuses any change to its fields, and a link of another process (another key)', () => {
    const links = new ConnectLinks();
    const query = links.query('linear', 'alice');
    for (const [name, value] of [['user', 'bob'], ['server', 'github'], ['expires', String(Number(query.get('expires')) + 3600)], ['sig', 'A'.repeat(43)]]) {
      const changed = new URLSearchParams(query);
      changed.set(name!, value!);
      expect(links.check(changed), name).toEqual({ ok: false, why: 'invalid' });
    }
    expect(new ConnectLinks().check(query)).toEqual({ ok: false, why: 'invalid' });
    expect(links.check(new URLSearchParams({ server: 'linear', user: 'alice' }))).toEqual({ ok: false, why: 'invalid' });
  });
});
