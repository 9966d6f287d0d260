import type { CredentialScrubber } from './redact-credentials.ts';
import type { ReverseMapper } from './path-map.ts';
import { rewriteLocation } from './rewrite-location.ts';
import { rewriteSetCookie } from './rewrite-set-cookie.ts';

export interface ResponseRewriter {
  /**
   * The response with `Location`, `Content-Location` and `Set-Cookie` mapped back under the
   * prefix and credential echoes removed; the same object when nothing changes.
   * `removed` receives the name of every header taken out (never its value).
   */
  rewrite(response: Response, requestPath: string, externalOrigin: string, removed?: (header: string) => void): Response;
}

/**
 * Compiled once per plugin instance.
 * @param o.prefix the mount, e.g. `/api`
 * @param o.rewriteLocation rewrite `Location`/`Content-Location` (default true in the plugin)
 * @param o.rewriteCookiePath move `Set-Cookie` `Path` under the prefix (default true)
 * @param o.dropCookieDomain remove `Set-Cookie` `Domain` (default true)
 * @param o.upstreamScheme scheme of the first upstream, for scheme-relative locations
 */
export function createResponseRewriter(o: {
  prefix: string;
  mapper: ReverseMapper;
  scrubber: CredentialScrubber;
  rewriteLocation: boolean;
  rewriteCookiePath: boolean;
  dropCookieDomain: boolean;
  upstreamScheme: string;
}): ResponseRewriter {
  const cookieOptions = {
    prefix: o.prefix,
    mapper: o.mapper,
    rewritePath: o.rewriteCookiePath,
    dropDomain: o.dropCookieDomain,
  };
  return {
    rewrite(response, requestPath, externalOrigin, removed) {
      // A switched protocol (WebSocket) is not an HTTP response body to rebuild.
      if (response.status === 101) return response;
      const headers = new Headers();
      let changed = false;
      for (const [name, value] of response.headers) {
        if (name === 'set-cookie') continue;
        if (o.scrubber.leaks(name, value)) {
          changed = true;
          removed?.(name);
          continue;
        }
        let out = value;
        if (o.rewriteLocation && (name === 'location' || name === 'content-location')) {
          out = rewriteLocation(value, o.mapper, externalOrigin, o.upstreamScheme);
          if (out !== value) changed = true;
        }
        headers.append(name, out);
      }
      for (const cookie of response.headers.getSetCookie()) {
        if (o.scrubber.leaks('set-cookie', cookie)) {
          changed = true;
          removed?.('set-cookie');
          continue;
        }
        const out = rewriteSetCookie(cookie, requestPath, cookieOptions);
        if (out !== cookie) changed = true;
        headers.append('set-cookie', out);
      }
      if (!changed) return response;
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    },
  };
}
