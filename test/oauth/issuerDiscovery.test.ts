/**
 * Which issuer an authorization response must name (RFC 9207 §2.4), as learned by discovery over real HTTP.
 * Regression pinned: the SDK's OpenID Connect discovery schema drops authorization_response_iss_parameter_supported,
 * so a missing `iss` from an OpenID provider that promises it would have gone unnoticed.
 */
import { describe, expect, it } from 'vitest';
import { discover, expectedIssuer } from '../../src/oauth/discovery.js';
import { documentServer, recordingFetch } from './flows/harness.js';

function metadata(origin: string, extra: Record<string, unknown> = {}) {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    ...extra,
  };
}

const openIdExtras = { jwks_uri: 'https://as.example/jwks', subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] };

async function discovered(routes: (origin: string) => Record<string, [number, Record<string, string>, unknown]>) {
  const origin = await documentServer((o) => ({
    '/.well-known/oauth-protected-resource/mcp': [200, {}, { resource: `${o}/mcp`, authorization_servers: [o] }],
    ...routes(o),
  }));
  return { origin, discovery: await discover({ serverUrl: `${origin}/mcp`, fetch: recordingFetch(), now: Date.now }) };
}

describe('the issuer an authorization response must name', () => {
  it('is the RFC 8414 metadata issuer, required when the server sets authorization_response_iss_parameter_supported', async () => {
    const { origin, discovery } = await discovered((o) => ({
      '/.well-known/oauth-authorization-server': [200, {}, metadata(o, { authorization_response_iss_parameter_supported: true })],
    }));
    expect(expectedIssuer(discovery)).toEqual({ issuer: origin, required: true });
  });

  it('is the OpenID provider issuer, still required when only the OpenID configuration sets the flag', async () => {
    const { origin, discovery } = await discovered((o) => ({
      '/.well-known/openid-configuration': [200, {}, metadata(o, { ...openIdExtras, authorization_response_iss_parameter_supported: true })],
    }));
    expect(expectedIssuer(discovery)).toEqual({ issuer: origin, required: true });
  });

  it('is optional when the server does not set the flag (a response with iss is still checked)', async () => {
    const { origin, discovery } = await discovered((o) => ({
      '/.well-known/oauth-authorization-server': [200, {}, metadata(o, { authorization_response_iss_parameter_supported: false })],
    }));
    expect(expectedIssuer(discovery)).toEqual({ issuer: origin, required: false });
  });

  it('is the authorization server URL, optional, for a legacy server without metadata', async () => {
    const origin = await documentServer(() => ({}));
    const discovery = await discover({ serverUrl: `${origin}/mcp`, fetch: recordingFetch(), now: Date.now });
    expect(expectedIssuer(discovery)).toEqual({ issuer: `${origin}/`, required: false });
  });
});
