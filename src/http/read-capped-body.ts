/**
 * Reading a request body without letting the client decide how much memory that takes.
 */

/** 16 KiB: far more than any form Gatehouse's own endpoints accept. */
export const DEFAULT_BODY_CAP = 16 * 1024;

export type CappedBody = { ok: true; bytes: Uint8Array } | { ok: false; reason: 'too_large' };

export interface ReadCappedBodyOptions {
  /** Most bytes accepted. Default `DEFAULT_BODY_CAP` (16 KiB). */
  maxBytes?: number;
}

/** Whether the request announces a body over `maxBytes` (default 16 KiB) in `Content-Length`. */
export function declaresTooLarge(request: Request, maxBytes = DEFAULT_BODY_CAP): boolean {
  const declared = request.headers.get('content-length');
  return declared !== null && !(Number(declared) <= maxBytes);
}

/**
 * Reads `request`'s body as a stream, at most `options.maxBytes` (default 16 KiB). A
 * `Content-Length` over the cap is refused before anything is read; a chunked body is read only
 * until it passes the cap, then the stream is cancelled, so a client cannot make the server
 * buffer more than the cap plus one chunk. A request without a body reads as zero bytes.
 */
export async function readCappedBody(request: Request, options: ReadCappedBodyOptions = {}): Promise<CappedBody> {
  const maxBytes = options.maxBytes ?? DEFAULT_BODY_CAP;
  if (declaresTooLarge(request, maxBytes)) return { ok: false, reason: 'too_large' };
  if (!request.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        return { ok: false, reason: 'too_large' };
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, bytes };
}
