/**
 * Two logins at once against one saved state (two mcpo replicas sharing a store, or two processes sharing a tokens
 * folder), each registering its own client: the saved refresh token must stay with the client it was issued to,
 * or the next refresh presents it with the other client and is refused (found by test/e2e/replicas.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import { AuthorizationProvider } from '../../src/oauth/provider.js';
import { emptyStoredAuth } from '../../src/oauth/stored.js';
import { MemoryTokenStore } from '../../src/oauth/store/memoryTokenStore.js';

const identity = { serverUrl: 'https://mcp.example/mcp', clientIdentity: 'dynamic' };

function client(id: string, redirect: string): OAuthClientInformationFull {
  return { client_id: id, redirect_uris: [redirect], client_name: 'mcpo', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
}

function provider(store: MemoryTokenStore, redirectUrl: string): AuthorizationProvider {
  return new AuthorizationProvider({ config: { callbackPort: 0, useLoopback: true, storageType: 'memory' }, store, identity, initial: emptyStoredAuth(identity), redirectUrl, state: 's', now: () => 1_000 });
}

describe('two logins registering their own clients against one saved state', () => {
  it('keep each attempt on its own client and save tokens with the client they were issued to', async () => {
    const store = new MemoryTokenStore();
    const a = provider(store, 'http://127.0.0.1:1111/callback');
    const b = provider(store, 'http://127.0.0.1:2222/callback');
    await a.saveClientInformation(client('client-a', 'http://127.0.0.1:1111/callback'));
    await b.saveClientInformation(client('client-b', 'http://127.0.0.1:2222/callback'));
    // A's discovery write reads back B's registration: A still presents its own client.
    await a.saveDiscoveryState({ authorizationServerUrl: 'https://as.example' });
    expect(a.clientInformation()?.client_id).toBe('client-a');
    await a.saveTokens({ access_token: 'at-a', token_type: 'Bearer', refresh_token: 'rt-a' });
    let saved = await store.load();
    expect([saved?.client?.client_id, saved?.tokens?.refresh_token]).toEqual(['client-a', 'rt-a']);

    // A registration that comes after another attempt's tokens does not replace the client those tokens belong to.
    const c = provider(store, 'http://127.0.0.1:3333/callback');
    await c.saveClientInformation(client('client-c', 'http://127.0.0.1:3333/callback'));
    saved = await store.load();
    expect([saved?.client?.client_id, saved?.tokens?.refresh_token]).toEqual(['client-a', 'rt-a']);
    expect(b.clientInformation()?.client_id).toBe('client-b');

    // The last login to finish wins, with its own pair.
    await b.saveTokens({ access_token: 'at-b', token_type: 'Bearer', refresh_token: 'rt-b' });
    saved = await store.load();
    expect([saved?.client?.client_id, saved?.tokens?.refresh_token]).toEqual(['client-b', 'rt-b']);
  });

  it('forgets its client when the server refused it, and registers afresh', async () => {
    const store = new MemoryTokenStore();
    const a = provider(store, 'http://127.0.0.1:1111/callback');
    await a.saveClientInformation(client('client-a', 'http://127.0.0.1:1111/callback'));
    await a.invalidateCredentials('client');
    expect(a.clientInformation()).toBeUndefined();
    expect((await store.load())?.client).toBeUndefined();
  });
});
