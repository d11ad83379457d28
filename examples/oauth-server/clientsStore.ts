/**
 * Registered OAuth clients, in memory: the pre-registered (static) ones from the options plus those that
 * registered themselves through RFC 7591 dynamic client registration.
 */
import { randomUUID } from 'node:crypto';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';

export class InMemoryClientsStore implements OAuthRegisteredClientsStore {
  readonly #clients = new Map<string, OAuthClientInformationFull>();
  readonly #now: () => number;

  constructor(staticClients: readonly OAuthClientInformationFull[], now: () => number) {
    this.#now = now;
    for (const client of staticClients) this.#clients.set(client.client_id, client);
  }

  getClient(clientId: string): OAuthClientInformationFull | undefined {
    return this.#clients.get(clientId);
  }

  /** The SDK's registration handler has already validated the metadata and generated id and secret. */
  registerClient(client: Omit<OAuthClientInformationFull, 'client_id' | 'client_id_issued_at'>): OAuthClientInformationFull {
    const generated = client as Partial<OAuthClientInformationFull>;
    const full: OAuthClientInformationFull = {
      ...client,
      client_id: generated.client_id ?? randomUUID(),
      client_id_issued_at: generated.client_id_issued_at ?? Math.floor(this.#now() / 1000),
    };
    this.#clients.set(full.client_id, full);
    return full;
  }

  /** Number of registered clients, static ones included. */
  get size(): number {
    return this.#clients.size;
  }
}
