/**
 * Turning verified token claims into the `Identity` plugins see, and back into claims.
 */
import type { Identity } from '../../plugin-api/index.ts';

/** Freezes an object graph so a cached identity cannot be changed by one request for the next. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string') : [];
}

/**
 * The claims' `email`, unless the issuer says it is unverified (`email_verified: false`): policies
 * admit by email, so an address nobody proved to own is not the identity's email (as at OIDC
 * sign-in, `profileFromClaims`). The claim itself stays in `claims`.
 */
export function verifiedEmail(claims: Record<string, unknown>): string | undefined {
  return typeof claims.email === 'string' && claims.email_verified !== false ? claims.email : undefined;
}

/** A user identity from the claims of one of Gatehouse's own tokens; frozen. */
export function identityFromClaims(claims: Record<string, unknown>, via: string): Identity {
  const identity: Identity = {
    subject: String(claims.sub),
    kind: 'user',
    groups: stringList(claims.groups),
    claims,
    via,
  };
  const email = verifiedEmail(claims);
  if (email !== undefined) identity.email = email;
  if (typeof claims.name === 'string') identity.name = claims.name;
  if (typeof claims.sid === 'string') identity.sessionId = claims.sid;
  return deepFreeze(identity);
}

/** The person-describing claims Gatehouse puts in its tokens for `identity`. */
export function claimsOf(identity: Pick<Identity, 'subject' | 'email' | 'name' | 'groups' | 'sessionId'>): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: identity.subject };
  if (identity.email !== undefined) claims.email = identity.email;
  if (identity.name !== undefined) claims.name = identity.name;
  claims.groups = [...identity.groups];
  if (identity.sessionId !== undefined) claims.sid = identity.sessionId;
  return claims;
}
