/**
 * Signs each request for the upstream with HMAC-SHA256 over a shared secret, so the upstream can
 * tell it came through Gatehouse and was not altered. The upstream receives:
 *
 *   X-Signature-Timestamp: <unix seconds>
 *   X-Content-SHA256:      <hex SHA-256 of the body> | UNSIGNED-PAYLOAD
 *   X-Signature:           <hex HMAC-SHA256(secret, timestamp \n METHOD \n path?query \n content-sha256)>
 *
 * `path?query` is the target as Gatehouse sends it (after the route's plugins rewrote it, before
 * the upstream URL's own base path). Bodies are streamed, never held in memory, except a body
 * whose `Content-Length` is at most `max_body_bytes`: that one is read to hash it. A bigger body,
 * or one without `Content-Length` (chunked), is sent as it comes and signed as `UNSIGNED-PAYLOAD`;
 * an upstream that needs body integrity refuses those. The upstream should also refuse stale
 * timestamps (say, older than five minutes). Put this plugin last, so what it signs is what is sent:
 *
 *   plugins:
 *     - use: ./hmac-signer.ts
 *       secret: ${UPSTREAM_HMAC_SECRET}    # or secret_file: upstream-hmac.key
 */
import { definePlugin } from 'gatehouse/plugin';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const encoder = new TextEncoder();
const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/** The string the signature covers; exported so upstreams (and tests) build it the same way. */
export function stringToSign(timestamp: string, method: string, path: string, contentSha256: string): string {
  return `${timestamp}\n${method.toUpperCase()}\n${path}\n${contentSha256}`;
}

export default definePlugin({
  name: 'hmac-signer',
  /**
   * - `secret`: the shared key, at least 32 characters; use `${ENV}` or `secret_file:` (required).
   * - `max_body_bytes`: largest body that is read and hashed (default 1048576, 1 MiB; 0: never).
   * - `signature_header`, `timestamp_header`, `digest_header`: header names (defaults above).
   */
  options: (v) =>
    v.strictObject({
      secret: v.pipe(v.string(), v.minLength(32, 'the secret needs at least 32 characters; generate one with: openssl rand -hex 32')),
      max_body_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1_048_576),
      signature_header: v.optional(v.string(), 'X-Signature'),
      timestamp_header: v.optional(v.string(), 'X-Signature-Timestamp'),
      digest_header: v.optional(v.string(), 'X-Content-SHA256'),
    }),
  async create(options) {
    const key = await crypto.subtle.importKey('raw', encoder.encode(options.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const emptySha256 = hex(await crypto.subtle.digest('SHA-256', new Uint8Array()));

    return async (ctx, next) => {
      const request = ctx.request;
      let contentSha256 = emptySha256;
      if (request.body) {
        const length = request.headers.get('content-length');
        if (length !== null && /^\d+$/.test(length) && Number(length) <= options.max_body_bytes) {
          const body = await request.arrayBuffer();
          contentSha256 = hex(await crypto.subtle.digest('SHA-256', body));
          ctx.request = new Request(request.url, { method: request.method, headers: request.headers, body });
        } else {
          contentSha256 = UNSIGNED_PAYLOAD;
        }
      }
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signed = stringToSign(timestamp, request.method, ctx.upstream.path, contentSha256);
      const signature = hex(await crypto.subtle.sign('HMAC', key, encoder.encode(signed)));
      ctx.upstream.headers.set(options.timestamp_header, timestamp);
      ctx.upstream.headers.set(options.digest_header, contentSha256);
      ctx.upstream.headers.set(options.signature_header, signature);
      return next();
    };
  },
});
