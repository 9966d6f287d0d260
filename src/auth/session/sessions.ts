/**
 * The trust cookie: issuing session tokens, the cookie's attributes, reading it back.
 */
import { randomBytes } from 'node:crypto';
import type { Identity, JwtServices, Logger } from '../../plugin-api/index.ts';
import { getCookies, serializeCookie } from './cookies.ts';
import { claimsOf } from '../tokens/identity.ts';
import { SESSION_AUDIENCE } from '../tokens/jwt-services.ts';
import { TokenType, type OwnTokens } from '../tokens/own-tokens.ts';

export interface SessionSettings {
  cookie_name: string;
  cookie_domain?: string;
  cookie_secure: boolean;
  cookie_http_only: boolean;
  cookie_same_site: 'lax' | 'strict' | 'none';
  /** Session lifetime in ms. */
  ttl: number;
}

/** Who signed in, as a provider reports it. */
export interface Profile {
  sub: string;
  email?: string;
  name?: string;
  groups: string[];
}

/** A session's claims as carried by the trust cookie and by hand-off codes. */
export interface SessionClaims extends Profile {
  sid: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /**
   * When the session began (the sign-in), seconds since the epoch. Tokens re-issued for the same
   * session (hand-offs, `/.gatehouse/token`) keep it, so a revocation of the user or of
   * everyone, which refuses sessions begun before it, cannot be dodged by minting a fresh token.
   */
  sat?: number;
}

/**
 * Most trust cookie values verified per request: a host-only and a domain cookie is the legitimate
 * case of two, and a client sending thirty forged copies must not cost thirty signature checks.
 */
export const MAX_SESSION_COOKIES = 2;

// Browsers drop cookies over 4096 bytes (name, value and attributes together).
const MAX_COOKIE_VALUE = 3800;

export interface Sessions {
  readonly cookieName: string;
  readonly settings: SessionSettings;
  /** Whether `cookie_domain` covers `hostname`, so one cookie serves it. */
  covers(hostname: string): boolean;
  /** A new session token for `profile`; `sid` and `expiresAt` (seconds) carry over an existing session. */
  issue(profile: Profile, carry?: { sid: string; exp: number; sat?: number }): Promise<{ token: string; session: SessionClaims }>;
  /** `Set-Cookie` for `token` on `hostname` (domain-wide when `cookie_domain` covers it). */
  setCookie(token: string, exp: number, hostname: string): string;
  /** `Set-Cookie` values that remove the trust cookie on `hostname`, host-only and domain-wide. */
  clearCookies(hostname: string): string[];
  /** The identity of the first valid trust cookie among the first `MAX_SESSION_COOKIES` sent, or null. */
  read(request: Request): Promise<Identity | null>;
}

/**
 * `policyGroups`: groups named by some route policy. Used only when a session would not fit in a
 * cookie: the token then keeps just those groups (a warning is logged), so sign-in still works
 * for users in hundreds of directory groups.
 */
export function createSessions(
  settings: SessionSettings,
  tokens: OwnTokens,
  jwt: JwtServices,
  options: {
    log: Logger;
    policyGroups?: ReadonlySet<string>;
    now?: () => number;
    /** Called for every new session (not for one carried over), before its token is handed out. */
    onOpen?: (session: SessionClaims) => Promise<void>;
  },
): Sessions {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const domain = settings.cookie_domain?.toLowerCase().replace(/^\./, '');
  const covers = (hostname: string) => {
    const host = hostname.toLowerCase();
    return domain !== undefined && (host === domain || host.endsWith(`.${domain}`));
  };
  const attributes = (hostname: string, maxAge: number) => ({
    domain: covers(hostname) ? domain : undefined,
    path: '/',
    maxAge,
    secure: settings.cookie_secure,
    httpOnly: settings.cookie_http_only,
    sameSite: settings.cookie_same_site,
  });

  const sign = (profile: Profile, sid: string, exp: number, sat: number) =>
    tokens.sign(TokenType.access, { ...claimsOf({ subject: profile.sub, email: profile.email, name: profile.name, groups: profile.groups, sessionId: sid }), sat }, {
      audience: SESSION_AUDIENCE,
      expiresAt: exp,
    });

  return {
    cookieName: settings.cookie_name,
    settings,
    covers,
    async issue(profile, carry) {
      const sid = carry?.sid || randomBytes(16).toString('base64url');
      const exp = carry?.exp ?? now() + Math.floor(settings.ttl / 1000);
      const sat = carry ? (carry.sat ?? 0) : now();
      let token = await sign(profile, sid, exp, sat);
      let groups = profile.groups;
      if (token.length > MAX_COOKIE_VALUE) {
        const keep = (groups = profile.groups.filter((g) => options.policyGroups?.has(g)));
        options.log.warn('session too large for a cookie; keeping only groups named by policies', {
          subject: profile.sub,
          groups: profile.groups.length,
          kept: keep.length,
        });
        token = await sign({ ...profile, groups: keep }, sid, exp, sat);
      }
      const session: SessionClaims = { sub: profile.sub, groups: [...groups], sid, exp, sat };
      if (profile.email !== undefined) session.email = profile.email;
      if (profile.name !== undefined) session.name = profile.name;
      if (!carry) await options.onOpen?.(session);
      return { token, session };
    },
    setCookie(token, exp, hostname) {
      return serializeCookie(settings.cookie_name, token, attributes(hostname, exp - now()));
    },
    clearCookies(hostname) {
      const out = [serializeCookie(settings.cookie_name, '', { ...attributes(hostname, 0), domain: undefined })];
      if (covers(hostname)) out.push(serializeCookie(settings.cookie_name, '', attributes(hostname, 0)));
      return out;
    },
    async read(request) {
      for (const value of getCookies(request, settings.cookie_name, MAX_SESSION_COOKIES)) {
        const identity = await jwt.verifyOwn(value);
        if (identity) return identity;
      }
      return null;
    },
  };
}
