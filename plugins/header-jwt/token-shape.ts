/**
 * Cheap checks on a presented token before any signature work: where it came from, its size,
 * its shape, and (unverified, only to pick a verifier) its `iss`.
 */

/** Longest token considered at all; real ones are well under 4 KB. */
export const MAX_TOKEN_LENGTH = 8192;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The token in a header value: `Bearer <t>`, or the bare value. */
export function tokenFromHeader(value: string): string {
  const m = /^\s*bearer\s+(.*)$/i.exec(value);
  return (m ? m[1]! : value).trim();
}

/** Why `token` is not a compact JWS worth verifying, or undefined when its shape is fine. */
export function shapeProblem(token: string): string | undefined {
  if (token === '') return 'empty token';
  if (token.length > MAX_TOKEN_LENGTH) return 'token too long';
  if (!COMPACT_JWS.test(token)) return 'not a compact JWS (three base64url parts)';
  return undefined;
}

/** The unverified `iss` of a well-shaped token, or undefined. Only ever used to choose a verifier. */
export function unverifiedIssuer(token: string): string | undefined {
  try {
    const part = token.split('.')[1]!;
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (part.length % 4)) % 4));
    const payload = JSON.parse(json) as unknown;
    const iss = payload && typeof payload === 'object' ? (payload as { iss?: unknown }).iss : undefined;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** A value safe inside a quoted-string of `WWW-Authenticate`. */
export function quoted(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, '').slice(0, 200);
}
