import { describe, expect, it } from 'vitest';
import { browserPolicy } from '../../src/oauth/defaults.js';
import { announcement } from '../../src/oauth/prompts.js';

describe('whether mcpo launches a browser for a loopback authorization', () => {
  it('launches one on a Linux desktop (X11 or Wayland), macOS and Windows', () => {
    expect(browserPolicy({ env: { DISPLAY: ':0' }, platform: 'linux' })).toEqual({ launch: true });
    expect(browserPolicy({ env: { WAYLAND_DISPLAY: 'wayland-0' }, platform: 'linux' })).toEqual({ launch: true });
    expect(browserPolicy({ env: {}, platform: 'darwin' })).toEqual({ launch: true });
    expect(browserPolicy({ env: {}, platform: 'win32' })).toEqual({ launch: true });
  });

  it('does not on a headless Linux (no DISPLAY and no WAYLAND_DISPLAY, empty counts as none), and says why', () => {
    const policy = browserPolicy({ env: { DISPLAY: '', WAYLAND_DISPLAY: '' }, platform: 'linux' });
    expect(policy).toEqual({ launch: false, reason: expect.stringContaining('no DISPLAY or WAYLAND_DISPLAY') });
    const printed = announcement('secure', 'http://127.0.0.1:1/authorize?x=1', 'first login', policy);
    expect(printed).toContain('mcpo: not opening a browser (no DISPLAY or WAYLAND_DISPLAY');
    expect(printed.split('\n')).toContain('http://127.0.0.1:1/authorize?x=1');
  });

  it('leaves a browser of the caller\'s own (not xdg-open) to the caller, display or not', () => {
    expect(browserPolicy({ env: {}, platform: 'linux', systemBrowser: false })).toEqual({ launch: true });
  });

  it('does not with --no-browser, even on a desktop', () => {
    expect(browserPolicy({ noBrowser: true, env: { DISPLAY: ':0' }, platform: 'darwin' })).toEqual({ launch: false, reason: '--no-browser' });
  });
});
