/**
 * The auth runtime the engine builds once per config: keys, sessions, sign-in endpoints and the
 * services plugins receive.
 */
import type { Config } from '../config/schema.ts';
import type { Identity, JwtServices, Logger, Policy, RouteInfo, SessionServices, CookieServices } from '../plugin-api/index.ts';
import { createAssertionSigner } from './tokens/assertion.ts';
import { createConcurrencyLimit, type ConcurrencyLimitOptions } from './providers/concurrency.ts';
import { Paths, type AuthDeps, type EndpointRequest } from './deps.ts';
import { cookieServices } from './session/cookies.ts';
import { createCsrf } from './session/csrf.ts';
import { createDispatcher, type ExtraEndpoints } from './endpoints/dispatch.ts';
import { createHandoff } from './session/handoff.ts';
import { createJwtServices, SESSION_AUDIENCE } from './tokens/jwt-services.ts';
import { ephemeralKey, loadKeySet, type PublicJwk } from './tokens/keys.ts';
import { createOidcClient } from './providers/oidc.ts';
import { originMatcher } from './session/origins.ts';
import { evaluatePolicy, judgePolicy, type PolicyVerdict } from '../policy/policy.ts';
import { createServiceTokenMatcher } from './tokens/service-tokens.ts';
import { createSessions } from './session/sessions.ts';
import { createSignOutHop } from './session/sign-out-hop.ts';
import { createStaticProvider } from './providers/static-provider.ts';
import { createThrottle, type ThrottleOptions } from './session/throttle.ts';
import { TokenCache, type CachedVerification } from './tokens/token-cache.ts';
import { createOwnTokens } from './tokens/own-tokens.ts';
import { createSessionRegistry, type SessionRegistry } from './session/session-registry.ts';
import { createMemoryStore } from '../state/memory-store.ts';
import { isStateUnavailable, type StateStore } from '../state/store.ts';
import { createTokenEndpoint, TokenAudiences } from './endpoints/token.ts';

/** Whether `policy` admits `identity`; reads `'allow'` as well as a verdict object (`allow` or `outcome`). */
function admits(policy: Policy | undefined, identity: Identity): boolean {
  const verdict: unknown = evaluatePolicy(policy, identity);
  if (verdict === 'allow') return true;
  const v = typeof verdict === 'object' && verdict !== null ? (verdict as { allow?: unknown; outcome?: unknown }) : {};
  return v.allow === true || v.outcome === 'allow';
}

/** The session facts every route shares; `sessionServices(route)` adds the route's capabilities. */
export type SharedSessionServices = Omit<SessionServices, 'acceptIssuedTokens'>;

export interface AuthRuntime {
  jwt: JwtServices;
  session: SharedSessionServices;
  /** What a plugin of `route` receives as `services.session`. */
  sessionServices(route: Pick<RouteInfo, 'from'>): SessionServices;
  cookies: CookieServices;
  evaluatePolicy(policy: Policy | undefined, identity: Identity | null): 'allow' | 'deny';
  /** The same judgement with its reason: which rule admitted, or why the request is refused. */
  judgePolicy(policy: Policy | undefined, identity: Identity | null): PolicyVerdict;
  /** The `X-Gatehouse-Jwt-Assertion` value for `identity` on the route whose origin is given. */
  signAssertion(identity: Identity, audienceOrigin: string): Promise<string>;
  /** `{"keys": [...]}` as served at `/.well-known/gatehouse/jwks.json`. */
  jwks(): { keys: PublicJwk[] };
  /** Answers Gatehouse's own endpoints; null when the request is for a route. */
  handle(request: Request, info: EndpointRequest): Promise<Response | null>;
  /** The shared state this runtime keeps sessions, codes and counters in. */
  state: StateStore;
  /** Sessions on the server side: listing, revoking, and whether the state has failed closed. */
  sessionRegistry: SessionRegistry;
  close(): Promise<void>;
}

export interface AuthRuntimeOptions {
  log: Logger;
  /** Every route's `from` (exact origins or `https://*.example.test`): where sign-in may return to. */
  routeOrigins: string[];
  /** Size of the shared verified-token cache. Default 10,000. */
  tokenCacheEntries?: number;
  /** Sign-in attempt limits; see `createThrottle`. */
  throttle?: ThrottleOptions;
  /** How many password checks run at once and how long others wait; see `createConcurrencyLimit`. */
  passwordChecks?: ConcurrencyLimitOptions;
  /** Endpoints added under `/.gatehouse/` on every host. */
  endpoints?: ExtraEndpoints;
  /** The shared state; the runtime closes it. Default: a store in this process's memory. */
  state?: StateStore;
  /**
   * Where sessions and revocations live. Default `state`. With a memory state they get a store
   * of their own, so a flood of other short-lived keys can never evict a revocation.
   */
  sessionState?: StateStore;
  /** How long verified sessions keep working while the state is down, in ms. Default 60 s. */
  stateGraceMs?: number;
}

/**
 * Builds the runtime for a validated config (run `validateAuthConfig` first). Keys come from
 * `session.signing_key`, else from `ephemeralKey()` (shared with workers through
 * `GATEHOUSE_EPHEMERAL_KEY`). Throws when the keys cannot be loaded.
 */
export async function createAuthRuntime(config: Config, options: AuthRuntimeOptions): Promise<AuthRuntime> {
  const log = options.log.child({ component: 'auth' });
  const auth = config.authenticate;
  const authOrigin = auth ? new URL(auth.url).origin : undefined;
  const keys = await loadKeySet(config.session.signing_key ?? ephemeralKey());
  const tokens = createOwnTokens(keys, authOrigin ?? 'urn:gatehouse');
  const cache = new TokenCache<CachedVerification>({ maxEntries: options.tokenCacheEntries });
  const state = options.state ?? createMemoryStore({ log });
  const sessionState = options.sessionState ?? state;
  const registry = createSessionRegistry({
    store: sessionState,
    log,
    ttlMs: config.session.ttl,
    idleTimeoutMs: config.session.idle_timeout,
    graceMs: options.stateGraceMs,
  });
  const sessionAllows = async (identity: Identity): Promise<boolean> => {
    try {
      // Revocations compare with when the session began (`sat`), not when this token was minted.
      const began = Number(identity.claims.sat ?? identity.claims.iat) || 0;
      return (await registry.check({ sid: identity.sessionId, sub: identity.subject, began: began })) === 'ok';
    } catch (error) {
      // The state being down is judged by the grace (failedClosed); anything else refuses.
      if (isStateUnavailable(error)) return true;
      log.error('session check failed', { error: (error as Error).message });
      return false;
    }
  };
  const jwt = createJwtServices(tokens, cache, { sessionAllows });
  const policyGroups = new Set(config.routes.flatMap((r) => r.policy?.allow?.groups ?? []));
  const method = auth?.provider ?? 'unknown';
  const sessions = createSessions(config.session, tokens, jwt, {
    log,
    policyGroups,
    onOpen: (s) => registry.open({ sid: s.sid, sub: s.sub, email: s.email, name: s.name, method, exp: s.exp }),
  });
  // A route `from` without a port also covers the port Gatehouse listens on (see originMatcher).
  const listenPort = config.listen.port;
  const routeAllowed = originMatcher(options.routeOrigins, { ports: listenPort !== 0 ? [String(listenPort)] : [] });
  const cookieName = config.session.cookie_name;

  const deps: AuthDeps = {
    authOrigin,
    provider: auth?.provider,
    tokens,
    sessions,
    handoff: createHandoff(tokens, { store: state }),
    oidc: auth?.provider === 'oidc' && auth.oidc ? createOidcClient(auth.oidc, `${authOrigin}${Paths.oidcCallback}`) : undefined,
    staticUsers: auth?.provider === 'static' && auth.static ? createStaticProvider(auth.static.users) : undefined,
    csrf: createCsrf(keys.active.secretSeed),
    throttle: createThrottle({ store: state, ...options.throttle }),
    sessionRegistry: registry,
    oneTime: { claim: (key, ttlMs) => state.setIfAbsent(key, '1', ttlMs) },
    passwordChecks: createConcurrencyLimit(options.passwordChecks),
    signOutHop: createSignOutHop(keys.active.secretSeed),
    isAllowedOrigin: (url, via) => url.origin === authOrigin || routeAllowed(url, via),
    routesFor: (identity) =>
      config.routes.filter((r) => admits(r.policy, identity)).map((r) => ({ from: r.from, prefix: r.prefix, public: r.policy?.public === true })),
    log,
    branding: auth?.branding,
    cookies: {
      csrf: `${cookieName}_csrf`,
      handoffNonce: `${cookieName}_handoff`,
      oidcState: (state) => `${cookieName}_oidc_${state.slice(0, 16)}`,
    },
  };

  const session: SharedSessionServices = {
    cookieName,
    audience: SESSION_AUDIENCE,
    loginUrl(returnTo) {
      // Always via the host the browser is on: that host may first need a hand-off nonce cookie.
      const origin = URL.canParse(returnTo) ? new URL(returnTo).origin : authOrigin;
      return `${origin}${Paths.signIn}?redirect_uri=${encodeURIComponent(returnTo)}`;
    },
    serviceToken: createServiceTokenMatcher(config.service_tokens),
  };

  // `/.gatehouse/token` issues tokens for the routes whose plugins asked (acceptIssuedTokens).
  const tokenAudiences = new TokenAudiences();

  return {
    jwt,
    session,
    sessionServices: (route) => ({ ...session, acceptIssuedTokens: () => tokenAudiences.add(route.from) }),
    cookies: cookieServices,
    evaluatePolicy,
    judgePolicy,
    signAssertion: createAssertionSigner(tokens),
    jwks: () => keys.jwks,
    handle: createDispatcher(deps, keys.jwks, {
      [Paths.token]: createTokenEndpoint(deps, tokenAudiences),
      ...options.endpoints,
    }),
    state,
    sessionRegistry: registry,
    async close() {
      cache.clear();
      registry.close();
      await state.close();
      if (sessionState !== state) await sessionState.close();
    },
  };
}
