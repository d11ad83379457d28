/**
 * Security review: metadata a server returns must not steer mcpo's credentials elsewhere.
 * - RFC 8414 §3.3 (and OpenID Discovery §4.3): the metadata's `issuer` must be the authorization server
 *   it was fetched for, else it MUST NOT be used (the SDK does not check it).
 * - RFC 9728 §3.3: the protected resource's `resource` must identify the server; a query naming another
 *   tenant slipped through the SDK's origin + path-prefix check.
 */
import type { OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { describe, expect, it } from 'vitest';
import { checkResource, discover } from '../../src/oauth/discovery.js';
import { DiscoveryError, IssuerMismatchError, ResourceMismatchError } from '../../src/oauth/errors.js';
import { documentServer, recordingFetch } from './flows/harness.js';
import { rejection } from './rejection.js';

function asMetadata(issuer: string, endpoints: string) {
  return {
    issuer,
    authorization_endpoint: `${endpoints}/authorize`,
    token_endpoint: `${endpoints}/token`,
    registration_endpoint: `${endpoints}/register`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  };
}

describe('authorization server metadata issuer', () => {
  it('refuses metadata whose issuer is another origin than the authorization server it was fetched from', async () => {
    const evil = await documentServer(() => ({}));
    const origin = await documentServer((o) => ({
      '/.well-known/oauth-protected-resource/mcp': [200, {}, { resource: `${o}/mcp`, authorization_servers: [o] }],
      '/.well-known/oauth-authorization-server': [200, {}, asMetadata(evil, evil)],
    }));
    const fetch = recordingFetch();
    const err = await rejection(discover({ serverUrl: `${origin}/mcp`, fetch, now: Date.now }));
    expect(err).toBeInstanceOf(IssuerMismatchError);
    expect(err.reason).toBe('issuer_mismatch');
    expect(err.message).toContain(evil);
    expect(fetch.requests.some((r) => r.url.startsWith(evil))).toBe(false);
  });

  it('refuses metadata fetched for an issuer with a path that claims another path', async () => {
    const origin = await documentServer((o) => ({
      '/.well-known/oauth-protected-resource/mcp': [200, {}, { resource: `${o}/mcp`, authorization_servers: [`${o}/tenant-a`] }],
      '/.well-known/oauth-authorization-server/tenant-a': [200, {}, asMetadata(`${o}/tenant-b`, `${o}/tenant-b`)],
    }));
    expect(await rejection(discover({ serverUrl: `${origin}/mcp`, fetch: recordingFetch(), now: Date.now }))).toBeInstanceOf(IssuerMismatchError);
  });

  it('accepts an issuer that differs from the advertised URL only by a trailing slash or the case of the host', async () => {
    const origin = await documentServer((o) => ({
      '/.well-known/oauth-protected-resource/mcp': [200, {}, { resource: `${o}/mcp`, authorization_servers: [`${o}/`] }],
      '/.well-known/oauth-authorization-server': [200, {}, asMetadata(o.replace('http://', 'HTTP://'), o)],
    }));
    const found = await discover({ serverUrl: `${origin}/mcp`, fetch: recordingFetch(), now: Date.now });
    expect(found.authorizationServerMetadata?.token_endpoint).toBe(`${origin}/token`);
  });
});

describe('authorization server endpoints', () => {
  // The authorization URL is handed to the system's URL opener: a file: or custom-scheme URL would run a local handler.
  it.each([
    ['authorization_endpoint', 'file:///etc/passwd'],
    ['authorization_endpoint', 'ms-msdt:/id PCWDiagnostic'],
    ['token_endpoint', 'ftp://127.0.0.1/token'],
    ['registration_endpoint', 'smb://attacker/share'],
  ])('refuses metadata whose %s is not an http(s) URL (%s)', async (field, value) => {
    const origin = await documentServer((o) => ({
      '/.well-known/oauth-protected-resource/mcp': [200, {}, { resource: `${o}/mcp`, authorization_servers: [o] }],
      '/.well-known/oauth-authorization-server': [200, {}, { ...asMetadata(o, o), [field]: value }],
    }));
    const err = await rejection(discover({ serverUrl: `${origin}/mcp`, fetch: recordingFetch(), now: Date.now }));
    expect(err).toBeInstanceOf(DiscoveryError);
    expect(err.message).toContain(field);
  });
});

describe('protected resource check', () => {
  const metadata = (resource: string): OAuthProtectedResourceMetadata => ({ resource, authorization_servers: ['https://as.example'] });

  it('refuses a resource that names another tenant in its query', () => {
    expect(() => checkResource(metadata('https://mcp.example/mcp?tenant=other'), 'https://mcp.example/mcp?tenant=mine')).toThrow(ResourceMismatchError);
    expect(() => checkResource(metadata('https://mcp.example/mcp?tenant=other'), 'https://mcp.example/mcp')).toThrow(ResourceMismatchError);
  });

  it('accepts the server URL itself, its parent, and spellings that differ only in host case or a trailing slash of the resource', () => {
    expect(() => checkResource(metadata('https://mcp.example/mcp?tenant=mine'), 'https://mcp.example/mcp?tenant=mine')).not.toThrow();
    expect(() => checkResource(metadata('https://MCP.example/'), 'https://mcp.example/mcp')).not.toThrow();
    expect(() => checkResource(metadata('https://mcp.example'), 'https://mcp.example/mcp')).not.toThrow();
  });

  it('refuses look-alike paths, other ports and other schemes', () => {
    expect(() => checkResource(metadata('https://mcp.example/mc'), 'https://mcp.example/mcp')).toThrow(ResourceMismatchError);
    expect(() => checkResource(metadata('https://mcp.example/mcp/admin'), 'https://mcp.example/mcp')).toThrow(ResourceMismatchError);
    expect(() => checkResource(metadata('https://mcp.example:8443/mcp'), 'https://mcp.example/mcp')).toThrow(ResourceMismatchError);
    expect(() => checkResource(metadata('http://mcp.example/mcp'), 'https://mcp.example/mcp')).toThrow(ResourceMismatchError);
  });
});
