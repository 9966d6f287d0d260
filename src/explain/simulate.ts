/**
 * One hand-written request through a gateway's real pipeline, with no upstream contacted: the
 * proxy's `fetch` is replaced, for the call only, by a canned `200`.
 */
import type { Gateway } from '../gateway/gateway.ts';
import type { Exchange } from './exchange.ts';

export interface Simulated {
  exchange: Exchange;
  /** The pipeline let the request through to the (stand-in) upstream. */
  upstreamReached: boolean;
}

/** Runs `method url` with `headers` through `gateway.handle()` and records what came back. */
export async function simulate(gateway: Gateway, method: string, url: URL, headers: Headers, credentialsHint?: boolean): Promise<Simulated> {
  const sent = new Headers(headers);
  if (!sent.has('host')) sent.set('host', url.host);
  const request = new Request(url, { method, headers: sent });
  const original = globalThis.fetch;
  let upstreamReached = false;
  const canned = async () => {
    upstreamReached = true;
    return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
  };
  globalThis.fetch = Object.assign(canned, { preconnect: () => {} }) as unknown as typeof fetch;
  let response: Response;
  try {
    response = await gateway.handle(request, '127.0.0.1', {});
  } finally {
    globalThis.fetch = original;
  }
  await response.body?.cancel();
  return {
    upstreamReached,
    exchange: {
      method,
      url,
      requestHeaders: sent,
      status: response.status,
      responseHeaders: response.headers,
      location: response.headers.get('location') ?? '',
      resourceType: undefined,
      credentialsHint,
    },
  };
}
