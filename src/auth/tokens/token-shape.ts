/**
 * What a token must look like before Gatehouse spends a signature check on it. Plugins read the
 * same rule through `services.jwt.shapeProblem`.
 */

/** Longest token we spend a signature check on; real ones are well under 4 KB. */
export const MAX_TOKEN_LENGTH = 8192;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Why `token` is not a compact JWS worth verifying, or null when its shape is fine. */
export function tokenShapeProblem(token: string): string | null {
  if (token === '') return 'empty token';
  if (token.length > MAX_TOKEN_LENGTH) return 'token too long';
  if (!COMPACT_JWS.test(token)) return 'not a compact JWS (three base64url parts)';
  return null;
}
