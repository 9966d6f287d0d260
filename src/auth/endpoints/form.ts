/**
 * The forms Gatehouse's own pages post back: read with a size cap before anyone is signed in,
 * and checked to come from Gatehouse's own page.
 */
import { DEFAULT_BODY_CAP, readCappedBody } from '../../http/read-capped-body.ts';
import type { EndpointRequest } from '../deps.ts';
import { jsonError } from './http.ts';

/** 413 for a body over the cap; `Connection: close` because the rest of it is never read. */
export function payloadTooLarge(info: EndpointRequest): Response {
  return jsonError(413, 'payload_too_large', info.requestId, { message: `request bodies here are limited to ${DEFAULT_BODY_CAP} bytes` }, { connection: 'close' });
}

/** The urlencoded form in `request`, or the error response (400 not a form, 413 too large). */
export async function readForm(request: Request, info: EndpointRequest): Promise<URLSearchParams | Response> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers.get('content-type') ?? '')) {
    return jsonError(400, 'invalid_request', info.requestId, { message: 'expected a urlencoded form' });
  }
  const body = await readCappedBody(request);
  if (!body.ok) return payloadTooLarge(info);
  return new URLSearchParams(new TextDecoder().decode(body.bytes));
}

/** Whether the browser says this POST comes from a page of `origin` (Fetch metadata / Origin). */
export function postedFromOrigin(request: Request, origin: string): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const from = request.headers.get('origin');
  return from === null || from === origin;
}
