/**
 * One request and the answer the browser got, as recorded in a HAR file or produced by a
 * simulation: the unit `gatehouse explain` judges.
 */
export interface Exchange {
  method: string;
  url: URL;
  requestHeaders: Headers;
  /** 0 when the browser recorded no answer. */
  status: number;
  responseHeaders: Headers;
  /** `Location` of a 3xx (HAR `redirectURL`, or the header). */
  location: string;
  /** HAR `_resourceType` (`fetch`, `xhr`, `document`, `preflight`, …), lower-case, when known. */
  resourceType?: string;
  /** The page asked for credentials (`credentials: 'include'`), when a hint says so. */
  credentialsHint?: boolean;
}

/** A CORS preflight: OPTIONS with `Origin` and `Access-Control-Request-Method`. */
export function isPreflight(e: Exchange): boolean {
  return e.method === 'OPTIONS' && e.requestHeaders.has('origin') && e.requestHeaders.has('access-control-request-method');
}

/** The page's origin: `Origin`, else the `Referer`'s origin; undefined when neither is usable. */
export function pageOrigin(e: Exchange): string | undefined {
  const origin = e.requestHeaders.get('origin');
  if (origin && origin !== 'null') return origin;
  const referer = e.requestHeaders.get('referer');
  if (referer && URL.canParse(referer)) return new URL(referer).origin;
  return undefined;
}

/** Whether a script made the request (fetch/XHR), as far as the record tells. */
export function isScriptRequest(e: Exchange): boolean {
  if (e.resourceType === 'fetch' || e.resourceType === 'xhr') return true;
  return e.requestHeaders.get('sec-fetch-mode') === 'cors';
}

/** Lower-case names listed in a comma-separated header. */
export function headerList(value: string | null): string[] {
  return (value ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}
