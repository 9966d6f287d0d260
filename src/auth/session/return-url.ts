/**
 * Return-URL checks for `redirect_uri`: no open redirects. A value is accepted when it is a
 * path on the current host or an absolute http(s) URL on an allowed origin; anything else
 * (protocol-relative, backslashes, control characters, `https:/host`, credentials, foreign or
 * look-alike hosts) falls back to `/` on the current host.
 */

// Browsers strip tab/CR/LF inside URLs and treat `\` like `/`, which turns harmless-looking
// paths into `//evil.test`; such characters never belong in a return URL, raw or decoded.
const FORBIDDEN = /[\x00-\x20\x7f\\]/;

function decodedOnce(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * `raw` checked against `current` (the URL of the request being answered) and `isAllowed`
 * (origins it may point to besides the current one). Returns an absolute URL string, or
 * `<current origin>/` when `raw` is missing or unsafe.
 */
export function safeReturnUrl(raw: string | null | undefined, current: URL, isAllowed: (url: URL) => boolean): string {
  const fallback = `${current.origin}/`;
  if (!raw) return fallback;
  const decoded = decodedOnce(raw);
  if (decoded === undefined || FORBIDDEN.test(raw) || FORBIDDEN.test(decoded)) return fallback;
  if (raw.startsWith('/')) {
    // `//host` and `/%2F/host` style values are protocol-relative once a browser or proxy decodes them.
    if (raw.startsWith('//') || decoded.startsWith('//')) return fallback;
    const url = new URL(raw, current.origin);
    return url.origin === current.origin ? url.href : fallback;
  }
  const scheme = /^(https?):\/\//i.exec(raw);
  if (!scheme || !URL.canParse(raw)) return fallback;
  const url = new URL(raw);
  // `https:///evil.test` and friends parse to a host the text does not show plainly.
  if (raw.slice(scheme[0].length).startsWith('/')) return fallback;
  if (url.username || url.password) return fallback;
  if (url.origin !== current.origin && !isAllowed(url)) return fallback;
  return url.href;
}
