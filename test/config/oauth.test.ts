import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OAUTH_CALLBACK_PORT } from '../../src/config/oauthSchema.js';
import { parseConfig } from '../../src/config/load.js';
import type { RemoteEntry } from '../../src/config/types.js';
import { FIXTURES, load } from './configFiles.js';

function remote(oauth: unknown, extra: Record<string, unknown> = {}): RemoteEntry {
  const text = JSON.stringify({ mcpServers: { r: { type: 'streamable-http', url: 'https://mcp.example.com/mcp', oauth, ...extra } } });
  return parseConfig(text, { file: 'config.json', env: {}, warn: () => {} }).servers[0] as RemoteEntry;
}

function oauthError(oauth: unknown, extra: Record<string, unknown> = {}): string {
  try {
    remote(oauth, extra);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('the oauth block of a remote server', () => {
  it('applies the defaults: callback port 3030, loopback browser flow, tokens stored in a file', () => {
    expect(remote({}).oauth).toEqual({ callbackPort: DEFAULT_OAUTH_CALLBACK_PORT, useLoopback: true, storageType: 'file' });
    expect(DEFAULT_OAUTH_CALLBACK_PORT).toBe(3030);
  });

  it('reads the Python mcpo example config with snake_case keys into camelCase settings', async () => {
    const { config, warnings } = await load(join(FIXTURES, 'oauth-python-mcpo.json'));
    expect(warnings).toEqual([]);
    expect((config.servers[0] as RemoteEntry).oauth).toEqual({
      serverUrl: 'http://localhost:8000',
      callbackPort: 3030,
      useLoopback: true,
      storageType: 'file',
      clientMetadata: {
        clientName: 'My MCPO Client',
        redirectUris: ['http://localhost:3030/callback'],
        grantTypes: ['authorization_code', 'refresh_token'],
        responseTypes: ['code'],
      },
    });
  });

  it('normalizes every setting, keeping other RFC 7591 metadata under its wire name', () => {
    const oauth = remote({
      server_url: 'https://auth.example.com',
      callback_port: 0,
      use_loopback: false,
      storage_type: 'memory',
      client_id: 'mcpo-client',
      client_secret: 'shh',
      client_metadata_url: 'https://mcpo.example.com/client.json',
      scope: 'tools:read tools:call',
      client_metadata: { token_endpoint_auth_method: 'client_secret_post', scope: 'a b', logo_uri: 'https://h/logo.png' },
    }).oauth;
    expect(oauth).toEqual({
      serverUrl: 'https://auth.example.com',
      callbackPort: 0,
      useLoopback: false,
      storageType: 'memory',
      clientId: 'mcpo-client',
      clientSecret: 'shh',
      clientMetadataUrl: 'https://mcpo.example.com/client.json',
      scope: 'tools:read tools:call',
      clientMetadata: { tokenEndpointAuthMethod: 'client_secret_post', scope: 'a b', logo_uri: 'https://h/logo.png' },
    });
  });

  it('reads where the browser comes back ("redirect"), and refuses it with the copy/paste flow or an unknown value', () => {
    expect(remote({ redirect: 'server' }).oauth?.redirect).toBe('server');
    expect(remote({ redirect: 'loopback' }).oauth?.redirect).toBe('loopback');
    expect(oauthError({ redirect: 'server', use_loopback: false })).toContain('mcpServers.r.oauth.redirect: conflicts with "use_loopback": false');
    expect(oauthError({ redirect: 'browser' })).toContain('mcpServers.r.oauth.redirect: must be "loopback" or "server"');
  });

  it('refuses oauth on a stdio server', () => {
    const text = JSON.stringify({ mcpServers: { s: { command: 'node', oauth: {} } } });
    expect(() => parseConfig(text, { file: 'config.json', env: {}, warn: () => {} })).toThrow(
      'config.json: mcpServers.s.oauth: only applies to remote (url) servers: a stdio server cannot use OAuth',
    );
  });

  it('refuses an Authorization header next to oauth, whatever its case', () => {
    for (const header of ['Authorization', 'authorization', 'AUTHORIZATION']) {
      expect(oauthError({}, { headers: { [header]: 'Bearer x' } })).toContain(
        `mcpServers.r.headers.${header}: conflicts with "oauth": mcpo sends the OAuth access token as the Authorization header`,
      );
    }
    expect(remote({}, { headers: { 'X-Api-Key': 'k' } }).headers).toEqual({ 'X-Api-Key': 'k' });
  });

  it('refuses a client secret without a client id', () => {
    expect(oauthError({ client_secret: 'shh' })).toContain('mcpServers.r.oauth.client_secret: needs "client_id"');
  });

  it.each([
    [{ callback_port: 70000 }, 'oauth.callback_port: must be a port number from 0 to 65535 (0 picks a free port)'],
    [{ callback_port: -1 }, 'oauth.callback_port: must be a port number from 0 to 65535'],
    [{ callback_port: 30.5 }, 'oauth.callback_port: must be a whole number (got 30.5)'],
    [{ callback_port: '3030' }, 'oauth.callback_port: must be a number (got a string)'],
    [{ use_loopback: 'yes' }, 'oauth.use_loopback: must be true or false'],
    [{ storage_type: 'keychain' }, 'oauth.storage_type: must be "file" or "memory"'],
    [{ server_url: 'auth.example.com' }, 'oauth.server_url: must be an absolute http:// or https:// URL'],
    [{ client_id: '' }, 'oauth.client_id: must not be empty'],
    [{ client_metadata: { redirect_uris: ['/callback'] } }, 'oauth.client_metadata.redirect_uris[0]: must be an absolute URL'],
    [
      { client_metadata: { token_endpoint_auth_method: 'private_key_jwt' } },
      'oauth.client_metadata.token_endpoint_auth_method: must be one of "client_secret_basic", "client_secret_post", "none"',
    ],
    [{ client_metadata: 'x' }, 'oauth.client_metadata: must be an object (got a string)'],
  ])('refuses %j', (oauth, message) => {
    expect(oauthError(oauth)).toContain(`mcpServers.r.${message}`);
  });

  it('requires the client metadata URL to be https with a path, allowing http only on localhost', () => {
    for (const url of ['https://mcpo.example.com/client.json', 'http://localhost:8080/client.json', 'http://127.0.0.1/c', 'http://[::1]:9/c']) {
      expect(remote({ client_metadata_url: url }).oauth?.clientMetadataUrl).toBe(url);
    }
    for (const url of ['http://mcpo.example.com/client.json', 'https://mcpo.example.com', 'https://mcpo.example.com/', 'ftp://localhost/c']) {
      expect(oauthError({ client_metadata_url: url })).toContain(
        'mcpServers.r.oauth.client_metadata_url: must be an https:// URL with a path (http:// is allowed only on localhost or 127.0.0.1)',
      );
    }
  });

  it('lists all oauth problems together with the other problems of the file', () => {
    const message = oauthError({ client_secret: 's', callback_port: 99999, storage_type: 'disk' }, { headers: { authorization: 'x' } });
    expect(message.split('\n')).toHaveLength(5);
    expect(message).toMatch(/^config\.json: 4 problems:/);
  });
});

describe('per-user OAuth servers in the config', () => {
  it('reads perUser with its defaults (15 minutes idle, 100 sessions) and its own values in seconds', () => {
    expect(remote({ perUser: true, redirect: 'server' }).oauth?.perUser).toEqual({ idleTimeoutMs: 900_000, maxSessions: 100 });
    expect(remote({ perUser: true, redirect: 'server', perUserIdleTimeout: 1.5, perUserMaxSessions: 3 }).oauth?.perUser).toEqual({ idleTimeoutMs: 1500, maxSessions: 3 });
    expect(remote({ perUser: false }).oauth).not.toHaveProperty('perUser');
  });

  it('refuses per-user servers whose logins could not come back to mcpo, and per-user settings without perUser', () => {
    expect(oauthError({ perUser: true, redirect: 'loopback' })).toContain('mcpServers.r.oauth.perUser: needs the OAuth callback on mcpo\'s own port');
    expect(oauthError({ perUser: true, use_loopback: false })).toContain('mcpServers.r.oauth.perUser: needs the OAuth callback on mcpo\'s own port');
    expect(oauthError({ perUserIdleTimeout: 60 })).toContain('mcpServers.r.oauth.perUserIdleTimeout: only applies with "perUser": true');
    expect(oauthError({ perUser: true, redirect: 'server', perUserMaxSessions: 0 })).toContain('mcpServers.r.oauth.perUserMaxSessions: must be a whole number of 1 or more');
  });
});

