/**
 * The demo's pure parts: flags, the browser decision, and the config it serves. The whole demo runs end to
 * end in test/e2e/demo.test.ts.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { isOAuthEntry } from '../../src/oauth/setup.js';
import { DEFAULT_CONFIG_FILE, DEFAULT_MCPO_PORT, DEFAULT_SERVER_PORT, DemoUsageError, parseDemoArgs } from './args.js';
import { chooseBrowserMode, createOpenBrowser, hasDisplay } from './browser.js';
import { retargetConfig, staticClientsFor } from './effectiveConfig.js';
import { curlCommand } from './instructions.js';

describe('demo flags', () => {
  it('default to mcpo on 8000, the example server on 8001, the plain OAuth config and the consent page', () => {
    expect(parseDemoArgs([])).toEqual({
      kind: 'run',
      flags: {
        configFile: DEFAULT_CONFIG_FILE,
        port: DEFAULT_MCPO_PORT,
        serverPort: DEFAULT_SERVER_PORT,
        autoApprove: false,
        noBrowser: false,
        logLevel: 'info',
      },
    });
    expect(DEFAULT_CONFIG_FILE).toMatch(/examples\/config_oauth\.json$/);
  });

  it('reject ports out of range, unknown flags and unknown log levels', () => {
    expect(() => parseDemoArgs(['--port', '70000'])).toThrow(DemoUsageError);
    expect(() => parseDemoArgs(['--server-port', 'x'])).toThrow(DemoUsageError);
    expect(() => parseDemoArgs(['--access-token-ttl', '0'])).toThrow(DemoUsageError);
    expect(() => parseDemoArgs(['--browser'])).toThrow(DemoUsageError);
    expect(() => parseDemoArgs(['--log-level', 'loud'])).toThrow(DemoUsageError);
  });

  it('accept port 0 everywhere, a token lifetime and a kept home', () => {
    const command = parseDemoArgs(['--port', '0', '--server-port', '0', '--callback-port', '0', '--access-token-ttl', '70', '--mcpo-home', 'h']);
    expect(command).toMatchObject({ kind: 'run', flags: { port: 0, serverPort: 0, callbackPort: 0, accessTokenTtlSeconds: 70, mcpoHome: 'h' } });
  });
});

describe('which browser the demo uses', () => {
  it('opens the system browser only where a window can appear', () => {
    expect(hasDisplay('linux', {})).toBe(false);
    expect(hasDisplay('linux', { DISPLAY: '' })).toBe(false);
    expect(hasDisplay('linux', { DISPLAY: ':0' })).toBe(true);
    expect(hasDisplay('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toBe(true);
    expect(hasDisplay('darwin', {})).toBe(true);
    expect(chooseBrowserMode({ autoApprove: false, noBrowser: false, display: true })).toBe('system');
    expect(chooseBrowserMode({ autoApprove: false, noBrowser: false, display: false })).toBe('print');
    expect(chooseBrowserMode({ autoApprove: false, noBrowser: true, display: true })).toBe('print');
    expect(chooseBrowserMode({ autoApprove: true, noBrowser: false, display: true })).toBe('follow');
  });

  it('without a browser, says how to reach both the authorization server and the callback from another machine', async () => {
    const output = new PassThrough();
    const open = createOpenBrowser('print', { output, printReason: 'no display' });
    await open('http://127.0.0.1:3030/start?ticket=t'); // mcpo's login link
    const text = String(output.read());
    expect(text).toContain('no display: open the URL above');
    expect(text).toContain('ssh -L 8001:127.0.0.1:8001 -L 3030:127.0.0.1:3030');
  });
});

describe('the config the demo serves', () => {
  const python = JSON.stringify({
    mcpServers: {
      demo: {
        type: 'streamable-http',
        url: 'http://127.0.0.1:8001/mcp',
        oauth: { server_url: 'http://127.0.0.1:8001', client_secret: '${SECRET}', client_id: 'c' },
      },
    },
  });

  it('points every URL at the example server where it really listens, keeping paths and ${VAR} placeholders', () => {
    const text = retargetConfig(python, { origin: 'http://127.0.0.1:40123', callbackPort: 0 });
    const demo = (JSON.parse(text) as { mcpServers: { demo: { url: string; oauth: Record<string, unknown> } } }).mcpServers.demo;
    expect(demo.url).toBe('http://127.0.0.1:40123/mcp');
    expect(demo.oauth).toEqual({ server_url: 'http://127.0.0.1:40123', client_secret: '${SECRET}', client_id: 'c', callback_port: 0 });
  });

  it('pre-registers configured clients with mcpo\'s loopback callback as redirect URI', () => {
    const config = parseConfig(python, { file: 'x.json', env: { SECRET: 's' }, warn: () => {} });
    expect(staticClientsFor(config.servers.filter(isOAuthEntry))).toEqual([
      expect.objectContaining({
        client_id: 'c',
        client_secret: 's',
        redirect_uris: ['http://127.0.0.1:3030/callback'],
        token_endpoint_auth_method: 'client_secret_basic',
      }),
    ]);
  });

  it('prints curl commands that survive a quote in the arguments', () => {
    expect(curlCommand('http://127.0.0.1:8000', 'demo', { tool: 'echo', args: { message: "it's" } })).toBe(
      `curl -s -X POST http://127.0.0.1:8000/demo/echo -H 'Content-Type: application/json' -d '{"message":"it'\\''s"}'`,
    );
  });
});
