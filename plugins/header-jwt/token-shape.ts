/**
 * Reading a presented token out of its header, and (unverified, only to pick a verifier) its
 * `iss`. Whether it is worth verifying at all is the engine's rule: `services.jwt.shapeProblem`.
 */

/** The token in a header value: `Bearer <t>`, or the bare value. */
export function tokenFromHeader(value: string): string {
  const m = /^\s*bearer\s+(.*)$/i.exec(value);
  return (m ? m[1]! : value).trim();
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
