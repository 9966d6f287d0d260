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

export interface IdentityFromClaimsOptions {
  /** The plugin that vouches for the identity (`Identity.via`). */
  via: string;
  /** The claim holding the group list (default `groups`); entries that are not strings are dropped. */
  groupsClaim?: string;
}

function userIdentity(claims: Record<string, unknown>, { via, groupsClaim = 'groups' }: IdentityFromClaimsOptions): Identity | null {
  if (typeof claims.sub !== 'string' || claims.sub === '') return null;
  const identity: Identity = { subject: claims.sub, kind: 'user', groups: stringList(claims[groupsClaim]), claims, via };
  const email = verifiedEmail(claims);
  if (email !== undefined) identity.email = email;
  if (typeof claims.name === 'string') identity.name = claims.name;
  return identity;
}

/**
 * A user identity from verified claims: `sub` (null when it is not a non-empty string), the
 * verified `email`, `name`, groups; frozen. `claims` stay whole (`iss` included, so the upstream
 * assertion can name an external issuer). `sid` is not read: only Gatehouse's own sessions have
 * session ids (`identityFromOwnClaims`).
 */
export function identityFromClaims(claims: Record<string, unknown>, options: IdentityFromClaimsOptions): Identity | null {
  const identity = userIdentity(claims, options);
  return identity && deepFreeze(identity);
}

/** As `identityFromClaims`, for one of Gatehouse's own tokens: its `sid` is the session id. */
export function identityFromOwnClaims(claims: Record<string, unknown>, via: string): Identity | null {
  const identity = userIdentity(claims, { via });
  if (identity && typeof claims.sid === 'string') identity.sessionId = claims.sid;
  return identity && deepFreeze(identity);
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
