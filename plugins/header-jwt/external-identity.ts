/**
 * The identity an external issuer's verified token establishes.
 */
import type { Identity } from '../../src/plugin-api/index.ts';

const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string') : []);

/**
 * A user identity from verified external `claims` (which must have a string `sub`), groups from
 * `groupsClaim`. The email is the identity's only when the issuer does not say it is unverified
 * (`email_verified: false`), as at OIDC sign-in: policies admit by email, and anyone can put
 * someone else's address in an account at an issuer that does not check it. `claims.iss` stays,
 * so the upstream assertion can name the external issuer (`iss_ext`).
 */
export function externalIdentity(claims: Record<string, unknown> & { sub: string }, groupsClaim: string): Identity {
  const identity: Identity = { subject: claims.sub, kind: 'user', groups: stringList(claims[groupsClaim]), claims, via: 'header-jwt' };
  if (typeof claims.email === 'string' && claims.email_verified !== false) identity.email = claims.email;
  if (typeof claims.name === 'string') identity.name = claims.name;
  return identity;
}
