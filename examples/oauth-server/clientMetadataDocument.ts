/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, MCP authorization spec
 * 2025-11-25): a client whose client_id is an https URL (or http on a loopback host, for tests and demos)
 * is described by the JSON document at that URL. The server fetches it when it meets the client_id,
 * checks that the document names itself (client_id equals the URL), and treats the client as a public
 * one (no secret, token_endpoint_auth_method none). The SDK's authorize handler then checks the
 * redirect_uri against the document's redirect_uris, as for any registered client.
 */
import { OAuthClientMetadataSchema, type OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Fetch used to read documents. Default globalThis.fetch. */
export type DocumentFetch = (url: string, init?: RequestInit) => Promise<Response>;

/** True for a client_id that names a metadata document: https, or http on a loopback host. */
export function isClientMetadataDocumentUrl(clientId: string): boolean {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

/**
 * The client the document at `clientId` describes, or undefined when it cannot be fetched, is not valid
 * client metadata, or names another client_id (the server then answers "unknown client").
 */
export async function fetchClientMetadataDocument(clientId: string, fetch: DocumentFetch, now: () => number): Promise<OAuthClientInformationFull | undefined> {
  try {
    // No redirects: the document must live at the URL that is the client's identity.
    const res = await fetch(clientId, { redirect: 'error', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return undefined;
    const document = (await res.json()) as Record<string, unknown>;
    if (document.client_id !== clientId) return undefined;
    const metadata = OAuthClientMetadataSchema.safeParse(document);
    if (!metadata.success) return undefined;
    return { ...metadata.data, client_id: clientId, client_id_issued_at: Math.floor(now() / 1000), token_endpoint_auth_method: 'none' };
  } catch {
    return undefined;
  }
}
