import type { ReverseMapper } from './path-map.ts';

/**
 * Rewrites a `Location` (or `Content-Location`) value that points into the mounted upstream
 * so the browser stays on the gateway's origin and under the prefix:
 * - root-relative `/v2/login?x` → `/api/login?x` (query and fragment kept as sent);
 * - absolute on an upstream origin `http://10.0.0.5:9002/v2/x` → `<externalOrigin>/api/x`;
 * - scheme-relative `//10.0.0.5:9002/v2/x` is read against the upstream's scheme, then as above.
 * Anything else (other origins, relative `next` or `../x`, paths the mount cannot reach) is
 * returned unchanged.
 *
 * @param externalOrigin scheme and host the client addressed, e.g. `https://app.example.test`
 * @param upstreamScheme scheme of the upstream, for scheme-relative values (`http:`)
 */
export function rewriteLocation(value: string, mapper: ReverseMapper, externalOrigin: string, upstreamScheme = 'http:'): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('/') && !trimmed.startsWith('//') && !trimmed.startsWith('/\\')) {
    const cut = firstOf(trimmed, '?#');
    const mapped = mapper.fromPath(trimmed.slice(0, cut));
    // A mapped path that starts `//` or `/\` would send the browser to another host.
    return mapped === null || /^\/[\t\n\r]*[/\\]/.test(mapped) ? value : mapped + trimmed.slice(cut);
  }
  let url: URL;
  try {
    url = new URL(trimmed.startsWith('//') ? upstreamScheme + trimmed : trimmed);
  } catch {
    return value;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return value;
  const mapped = mapper.fromUrl(url);
  return mapped === null ? value : externalOrigin + mapped + url.search + url.hash;
}

function firstOf(text: string, chars: string): number {
  for (let i = 0; i < text.length; i++) if (chars.includes(text[i]!)) return i;
  return text.length;
}
