/**
 * The OpenID Connect client (authorization code flow with PKCE), on oauth4webapi.
 */
import * as oauth from 'oauth4webapi';
import { isLoopbackHost } from '../../http/loopback.ts';
import type { Profile } from '../session/sessions.ts';

export interface OidcSettings {
  issuer: string;
  client_id: string;
  client_secret?: string;
  scopes: string[];
  groups_claim: string;
}

/** What must survive the trip to the provider, kept in the signed state cookie. */
export interface OidcPending {
  state: string;
  nonce: string;
  verifier: string;
}

export interface OidcClient {
  /** The provider's authorization URL and the secrets to keep until the callback. */
  start(): Promise<{ url: string; pending: OidcPending }>;
  /**
   * Checks the callback URL against `pending` (state, then code exchange with PKCE, ID token
   * signature, issuer, audience, expiry and nonce) and returns the user's profile. Throws on any
   * failure; `OidcError.code` says which kind.
   */
  finish(callbackUrl: URL, pending: OidcPending): Promise<Profile>;
  /** RP-initiated logout URL, or undefined when the provider has no `end_session_endpoint`. */
  logoutUrl(postLogoutRedirectUri: string, state: string): Promise<string | undefined>;
}

export class OidcError extends Error {
  constructor(
    readonly code: 'idp_unavailable' | 'invalid_state' | 'idp_error' | 'invalid_response',
    message: string,
  ) {
    super(message);
  }
}

/**
 * `redirectUri`: the OIDC callback on the authenticate host. `timeoutMs` bounds each request to
 * the provider (default 5000). Discovery runs at the first sign-in and is cached for `discoveryTtlMs`
 * (default 1 hour), so Gatehouse starts while the provider is down. Plain `http://` issuers are
 * allowed only on loopback hosts (`isLoopbackHost`: tests, local development), as `gatehouse check` says.
 */
export function createOidcClient(
  settings: OidcSettings,
  redirectUri: string,
  options: { timeoutMs?: number; discoveryTtlMs?: number; now?: () => number } = {},
): OidcClient {
  const issuer = new URL(settings.issuer);
  const timeoutMs = options.timeoutMs ?? 5000;
  const ttl = options.discoveryTtlMs ?? 60 * 60_000;
  const now = options.now ?? Date.now;
  const http = {
    signal: () => AbortSignal.timeout(timeoutMs),
    [oauth.allowInsecureRequests]: issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname),
  };
  const client: oauth.Client = { client_id: settings.client_id };
  let discovered: { as: oauth.AuthorizationServer; at: number } | undefined;

  const server = async (): Promise<oauth.AuthorizationServer> => {
    if (discovered && now() - discovered.at < ttl) return discovered.as;
    try {
      const response = await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oidc' });
      discovered = { as: await oauth.processDiscoveryResponse(issuer, response), at: now() };
      return discovered.as;
    } catch (e) {
      if (discovered) return discovered.as; // a stale document beats no sign-in at all
      throw new OidcError('idp_unavailable', `OIDC discovery at ${issuer.href} failed: ${(e as Error).message}`);
    }
  };

  const clientAuth = (as: oauth.AuthorizationServer): oauth.ClientAuth => {
    if (settings.client_secret === undefined) return oauth.None();
    const methods = as.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    return methods.includes('client_secret_basic') || !methods.includes('client_secret_post')
      ? oauth.ClientSecretBasic(settings.client_secret)
      : oauth.ClientSecretPost(settings.client_secret);
  };

  return {
    async start() {
      const as = await server();
      if (!as.authorization_endpoint) throw new OidcError('idp_unavailable', 'the provider has no authorization_endpoint');
      const pending = { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), verifier: oauth.generateRandomCodeVerifier() };
      const url = new URL(as.authorization_endpoint);
      url.searchParams.set('client_id', settings.client_id);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', settings.scopes.join(' '));
      url.searchParams.set('state', pending.state);
      url.searchParams.set('nonce', pending.nonce);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.verifier));
      url.searchParams.set('code_challenge_method', 'S256');
      return { url: url.href, pending };
    },

    async finish(callbackUrl, pending) {
      const as = await server();
      let params: URLSearchParams;
      try {
        params = oauth.validateAuthResponse(as, client, callbackUrl, pending.state);
      } catch (e) {
        if (e instanceof oauth.AuthorizationResponseError) throw new OidcError('idp_error', `${e.error}: ${e.error_description ?? ''}`);
        throw new OidcError('invalid_state', (e as Error).message);
      }
      let claims: Record<string, unknown>;
      let accessToken: string;
      try {
        const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth(as), params, redirectUri, pending.verifier, http);
        const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true });
        // Not strictly needed over TLS from the token endpoint, but cheap and keeps plain-HTTP test issuers honest.
        await oauth.validateApplicationLevelSignature(as, response, http);
        claims = { ...oauth.getValidatedIdTokenClaims(result)! };
        accessToken = result.access_token;
      } catch (e) {
        throw new OidcError('invalid_response', `token exchange failed: ${(e as Error).message}`);
      }
      if (as.userinfo_endpoint) {
        try {
          const response = await oauth.userInfoRequest(as, client, accessToken, http);
          const info = await oauth.processUserInfoResponse(as, client, String(claims.sub), response);
          claims = { ...info, ...claims };
        } catch (e) {
          throw new OidcError('invalid_response', `userinfo failed: ${(e as Error).message}`);
        }
      }
      return profileFromClaims(claims, settings.groups_claim);
    },

    async logoutUrl(postLogoutRedirectUri, state) {
      const as = await server();
      if (!as.end_session_endpoint) return undefined;
      const url = new URL(as.end_session_endpoint);
      url.searchParams.set('client_id', settings.client_id);
      url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri);
      url.searchParams.set('state', state);
      return url.href;
    },
  };
}

/**
 * The profile Gatehouse keeps: `sub`; `email` unless the provider says it is unverified
 * (`email_verified: false`), because policies trust emails; `name` (or `preferred_username`);
 * groups from `groupsClaim` (a list, or one string).
 */
export function profileFromClaims(claims: Record<string, unknown>, groupsClaim: string): Profile {
  const profile: Profile = { sub: String(claims.sub), groups: [] };
  if (typeof claims.email === 'string' && claims.email_verified !== false) profile.email = claims.email;
  const name = claims.name ?? claims.preferred_username;
  if (typeof name === 'string') profile.name = name;
  const groups = claims[groupsClaim];
  if (Array.isArray(groups)) profile.groups = groups.filter((g): g is string => typeof g === 'string');
  else if (typeof groups === 'string') profile.groups = [groups];
  return profile;
}
