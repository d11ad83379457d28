/**
 * Registered OAuth clients, in memory: the pre-registered (static) ones from the options plus those that
 * registered themselves through RFC 7591 dynamic client registration; with Client ID Metadata Document
 * support on, also clients whose client_id is a document URL (fetched on each lookup: no stale copy).
 */
import { randomUUID } from 'node:crypto';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import { fetchClientMetadataDocument, isClientMetadataDocumentUrl, type DocumentFetch } from './clientMetadataDocument.js';

export class InMemoryClientsStore implements OAuthRegisteredClientsStore {
  readonly #clients = new Map<string, OAuthClientInformationFull>();
  readonly #now: () => number;
  readonly #documents: DocumentFetch | undefined;

  /** `documentFetch`: set to accept Client ID Metadata Documents, read with it. */
  constructor(staticClients: readonly OAuthClientInformationFull[], now: () => number, documentFetch?: DocumentFetch) {
    this.#now = now;
    this.#documents = documentFetch;
    for (const client of staticClients) this.#clients.set(client.client_id, client);
  }

  getClient(clientId: string): OAuthClientInformationFull | undefined | Promise<OAuthClientInformationFull | undefined> {
    const known = this.#clients.get(clientId);
    if (known || !this.#documents || !isClientMetadataDocumentUrl(clientId)) return known;
    return fetchClientMetadataDocument(clientId, this.#documents, this.#now);
  }

  /** Whether Client ID Metadata Documents are accepted (advertised in the metadata). */
  get acceptsMetadataDocuments(): boolean {
    return this.#documents !== undefined;
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
