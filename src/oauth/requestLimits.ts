/**
 * A size limit on what mcpo reads from an authorization server (metadata documents, registration, token
 * and revocation answers). An answer that never ends, or a small gzip body that inflates to gigabytes, must
 * not grow mcpo's memory until it dies: bytes are counted as the body streams in, after decompression, and
 * the connection is cut at the limit. Not used for the MCP transport, whose answers have their own bound.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { OAuthAnswerTooLargeError } from './errors.js';

/** Default limit of one OAuth answer's body, decompressed: 1 MiB (real metadata and token answers are a few KB). */
export const DEFAULT_OAUTH_ANSWER_MAX_BYTES = 1024 * 1024;

/**
 * `fetch` whose response bodies error with OAuthAnswerTooLargeError once more than `maxBytes` arrived; the rest
 * is never read (the body underneath is cancelled, which closes its connection). Everything else of the response
 * (status, headers, url) is as the fetch gave it.
 */
export function withAnswerLimit(fetch: FetchLike, maxBytes: number = DEFAULT_OAUTH_ANSWER_MAX_BYTES): FetchLike {
  return async (url, init) => {
    const response = await fetch(url, init);
    if (!response.body) return response;
    const limited = new Response(countedBody(response.body, maxBytes, String(url)), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    // The SDK's redirect rule reads where the answer came from (fetchWithinOrigin, unfollowedRedirect).
    for (const key of ['url', 'redirected', 'type'] as const) Object.defineProperty(limited, key, { value: response[key] });
    return limited;
  };
}

function countedBody(body: ReadableStream<Uint8Array>, maxBytes: number, url: string): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let received = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        received += value.byteLength;
        if (received > maxBytes) {
          const error = new OAuthAnswerTooLargeError(url, maxBytes);
          controller.error(error);
          await reader.cancel(error).catch(() => {});
          return;
        }
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    // Pulled only when read: nothing is buffered ahead of the reader.
    { highWaterMark: 0 },
  );
}
