/**
 * Reading a HAR file (Chromium and Firefox devtools exports, Playwright `recordHar`) into
 * exchanges. Only the fields explain needs are read; anything malformed is a usage error.
 */
import type { Exchange } from './exchange.ts';

interface HarHeader {
  name?: unknown;
  value?: unknown;
}

/** Thrown for input that is not a HAR log; the CLI exits 2 with its message. */
export class HarError extends Error {}

/** The exchanges of a parsed HAR document, in recorded order. */
export function exchangesFromHar(doc: unknown): Exchange[] {
  const entries = (doc as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries)) throw new HarError('not a HAR file: expected log.entries[]');
  return entries.map((entry, i) => exchangeOf(entry, i));
}

function exchangeOf(entry: unknown, i: number): Exchange {
  const e = entry as Record<string, any>;
  const request = e?.request;
  const response = e?.response ?? {};
  if (!request || typeof request.method !== 'string' || typeof request.url !== 'string' || !URL.canParse(request.url)) {
    throw new HarError(`log.entries[${i}]: expected request.method and an absolute request.url`);
  }
  const responseHeaders = headersOf(response.headers);
  const status = typeof response.status === 'number' ? response.status : 0;
  const credentials = [e._credentials, request._credentials, e._initiator?.credentials, request.credentials, request.mode === 'include' ? 'include' : undefined];
  return {
    method: request.method.toUpperCase(),
    url: new URL(request.url),
    requestHeaders: headersOf(request.headers),
    status,
    responseHeaders,
    location: (typeof response.redirectURL === 'string' && response.redirectURL) || responseHeaders.get('location') || '',
    resourceType: typeof e._resourceType === 'string' ? e._resourceType.toLowerCase() : undefined,
    credentialsHint: credentials.includes('include') ? true : undefined,
  };
}

function headersOf(list: unknown): Headers {
  const headers = new Headers();
  if (!Array.isArray(list)) return headers;
  for (const h of list as HarHeader[]) {
    // HTTP/2 pseudo-headers (`:authority`) and odd names are not headers a Request can hold.
    if (typeof h?.name !== 'string' || h.name.startsWith(':') || typeof h.value !== 'string') continue;
    try {
      headers.append(h.name, h.value);
    } catch {
      /* an invalid name or value in the record: skip it */
    }
  }
  return headers;
}
