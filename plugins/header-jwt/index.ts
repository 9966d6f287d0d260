/**
 * `header-jwt`: accepts a JWT in a header, for callers that cannot (or should not) send the trust
 * cookie: a page on another origin with a token from `/.gatehouse/token`, the trust cookie's own
 * value (with `cookie_http_only: false`, Pomerium style), tokens of external issuers, and service
 * tokens (client id and secret in two headers) for machines.
 *
 * Answers:
 * - no token and no client id/secret: the request goes on to the next plugin (e.g. `trust-cookie`);
 * - a token or client id/secret that is present but invalid: `401 invalid_token` /
 *   `401 invalid_client` with `WWW-Authenticate: Bearer …`, never a fallback to the cookie;
 * - a token of an external issuer whose JWKS cannot be fetched (so it cannot be judged):
 *   `503 issuer_unavailable` with `Retry-After`, within the JWKS timeout (default 3 s), never a hang.
 *
 * External tokens: `iat` later than now plus `clock_skew` is refused (`401 invalid_token`); an
 * `email` with `email_verified: false` is not the identity's email (so `allow.emails` and
 * `allow.domains` do not admit it), as at OIDC sign-in.
 *
 * Credential headers never reach an upstream of the route, on any request (exempted ones and
 * those this plugin never saw included): `header`, `client_id_header`, `client_secret_header`,
 * and `Authorization` whenever `bearer` is true (set `bearer: false` for an upstream that needs
 * its own `Authorization`, e.g. Basic).
 *
 * The upstream assertion says who vouched: `via: header-jwt`, and `iss_ext` for external tokens.
 *
 * A token this route verified is remembered by its exact string until its `exp` (10,000 at most
 * per route and process): a repeat external token costs one lookup; a repeat token of Gatehouse's
 * own still has its session checked on every request, so a revocation applies at once.
 */
import { definePlugin, OptionProblems, type Handler, type OptionProblem, type OptionSchemas, type Identity, type RequestContext, type Valibot } from '../../src/plugin-api/index.ts';
import { quoted, tokenFromHeader, unverifiedIssuer } from './token-shape.ts';

const options = (v: typeof Valibot, { duration, token }: OptionSchemas) => {
  const header = token('header name');
  const issuer = v.pipe(
    v.strictObject({
      issuer: v.pipe(v.string(), v.minLength(1)),
      audience: v.union([v.pipe(v.string(), v.minLength(1)), v.pipe(v.array(v.string()), v.minLength(1))]),
      jwks_url: v.optional(v.pipe(v.string(), v.url('expected an http(s) URL'))),
      /** PEM text; `public_key_file: key.pem` arrives here through the loader's `_file` handling. */
      public_key: v.optional(v.string()),
      secret: v.optional(v.pipe(v.string(), v.minLength(32, 'use a secret of at least 32 characters'))),
      algorithms: v.optional(v.pipe(v.array(v.string()), v.minLength(1))),
      clock_skew: duration('30s'),
      groups_claim: v.optional(v.string(), 'groups'),
      jwks_timeout: duration('3s'),
      jwks_cooldown: duration('30s'),
    }),
    v.check((i) => [i.jwks_url, i.public_key, i.secret].filter((s) => s !== undefined).length === 1, 'give exactly one of jwks_url, public_key_file, secret'),
  );
  return v.pipe(
    v.strictObject({
      header: v.optional(header, 'X-Gatehouse-Authorization'),
      bearer: v.optional(v.boolean(), true),
      /** Accept Gatehouse's own tokens (trust cookie value, `/.gatehouse/token` tokens). */
      own_tokens: v.optional(v.boolean(), true),
      issuers: v.optional(v.array(issuer), []),
      client_id_header: v.optional(header, 'X-Gatehouse-Client-Id'),
      client_secret_header: v.optional(header, 'X-Gatehouse-Client-Secret'),
    }),
    v.check((o) => new Set(o.issuers.map((i) => i.issuer)).size === o.issuers.length, 'list each issuer once'),
  );
};

type Verified = { identity: Identity } | { status: 401 | 503; error: string; detail: string };

/** What `known` holds for a verified token: an external issuer's identity, or `OWN`. */
type Known = { identity: Identity } | { own: true };
const OWN: Known = Object.freeze({ own: true as const });
/** Most verified tokens remembered per route and process (the oldest is forgotten first). */
const KNOWN_TOKENS = 10_000;
const NOT_FOR_ROUTE: Verified = Object.freeze({ status: 401 as const, error: 'invalid_token', detail: 'token not valid for this route' });
const BEARER = /^\s*bearer(\s|$)/i;

export default definePlugin({
  name: 'header-jwt',
  kind: 'auth',
  options,
  create(options, services): Handler {
    const realm = quoted(services.route.origin);
    // The verifier refuses an issuer's settings by throwing: each is reported at its issuer.
    const problems: OptionProblem[] = [];
    const issuers = new Map(
      options.issuers.flatMap((i, index) => {
        try {
          const verify = services.jwt.verifier({
            issuer: i.issuer,
            audience: i.audience,
            jwks_url: i.jwks_url,
            public_key_pem: i.public_key,
            secret: i.secret,
            algorithms: i.algorithms ?? (i.secret !== undefined ? ['HS256'] : ['RS256', 'ES256']),
            clockSkewSeconds: Math.floor(i.clock_skew / 1000),
            jwksTimeoutMs: i.jwks_timeout,
            jwksCooldownMs: i.jwks_cooldown,
          });
          return [[i.issuer, { verify, groupsClaim: i.groups_claim }] as const];
        } catch (error) {
          problems.push({ at: ['issuers', index], message: (error as Error).message });
          return [];
        }
      }),
    );
    if (problems.length > 0) throw new OptionProblems(problems);
    if (!options.own_tokens && issuers.size === 0) services.warn('own_tokens is false and no issuers are listed, so only service tokens are accepted');
    // Pages on other origins may fetch `/.gatehouse/token` tokens for this route.
    if (options.own_tokens) services.session.acceptIssuedTokens();
    const headerName = options.header.toLowerCase();
    const idHeader = options.client_id_header.toLowerCase();
    const secretHeader = options.client_secret_header.toLowerCase();
    // Static, because exempted requests and public routes skip this plugin, yet must not carry
    // a credential upstream either.
    services.stripFromUpstream({ headers: [headerName, idHeader, secretHeader, ...(options.bearer ? ['authorization'] : [])] });

    // Tokens this instance verified, by their exact string, until their `exp`: an external token's
    // identity, or the mark that Gatehouse's own verifier (which checks the session every time)
    // took it. A repeat token then costs one lookup instead of parsing it to pick a verifier.
    const known = services.ttlStore<Known>({ maxEntries: KNOWN_TOKENS });
    const remember = (token: string, entry: Known, exp: unknown) => {
      const ttlMs = typeof exp === 'number' ? exp * 1000 - Date.now() : 0;
      if (ttlMs > 0) known.set(token, entry, ttlMs);
    };

    /** Gatehouse's own token for this route, checked in full (signature cached, session every time). */
    async function verifyOwn(ctx: RequestContext, token: string): Promise<{ identity: Identity } | null> {
      // Token-endpoint tokens name this route's origin (as configured, or as addressed, with
      // port); the trust cookie's own value names the session audience.
      const identity = await services.jwt.verifyOwn(token, { audience: [ctx.route.origin, ctx.url.origin, services.session.audience] });
      return identity && { identity: { ...identity, via: 'header-jwt' } };
    }

    async function verifyToken(ctx: RequestContext, token: string): Promise<Verified> {
      const problem = services.jwt.shapeProblem(token);
      if (problem) return { status: 401, error: 'invalid_token', detail: problem };
      const iss = unverifiedIssuer(token);
      const external = iss === undefined ? undefined : issuers.get(iss);
      if (external) {
        const verdict = await external.verify(token);
        if (!verdict.ok && verdict.retryable) {
          ctx.log.warn('issuer keys unavailable', { issuer: iss, reason: verdict.reason });
          return { status: 503, error: 'issuer_unavailable', detail: 'the token issuer\'s keys cannot be fetched right now' };
        }
        if (!verdict.ok) return { status: 401, error: 'invalid_token', detail: verdict.reason };
        const identity = services.jwt.identityFromClaims(verdict.claims, { via: 'header-jwt', groupsClaim: external.groupsClaim });
        if (!identity) return { status: 401, error: 'invalid_token', detail: 'token has no sub' };
        remember(token, { identity }, verdict.claims.exp);
        return { identity };
      }
      if (options.own_tokens) {
        const verified = await verifyOwn(ctx, token);
        if (verified) {
          remember(token, OWN, verified.identity.claims.exp);
          return verified;
        }
      }
      return NOT_FOR_ROUTE;
    }

    function refuse(ctx: RequestContext, status: 401 | 503, error: string, detail: string): Response {
      const headers: Record<string, string> =
        status === 503
          ? { 'Retry-After': '5' }
          : { 'WWW-Authenticate': `Bearer realm="${realm}", error="${error === 'invalid_client' ? 'invalid_client' : 'invalid_token'}", error_description="${quoted(detail)}"` };
      return ctx.error(status, error, { detail }, headers);
    }

    return async (ctx, next) => {
      if (ctx.identity) return next();
      const h = ctx.request.headers;
      // The credential headers stay on `ctx.request`: the proxy strips every one declared above.
      const own = h.get(headerName);
      const auth = own === null && options.bearer ? h.get('authorization') : null;
      // A token verified before, sent as clients usually do, skips the parsing; any other spelling
      // is read in full, and its token looked up again.
      const sent = own ?? (auth !== null && auth.startsWith('Bearer ') ? auth : null);
      let token = sent === null ? null : sent.startsWith('Bearer ') ? sent.slice(7) : sent;
      let entry = token === null ? undefined : known.get(token);
      if (entry === undefined) {
        const read = own !== null ? tokenFromHeader(own) : auth !== null && BEARER.test(auth) ? tokenFromHeader(auth) : null;
        if (read !== null && read !== token) entry = known.get(read);
        token = read;
      }
      let result: Verified | undefined;
      if (entry !== undefined && 'identity' in entry) result = entry;
      else if (entry !== undefined) result = (await verifyOwn(ctx, token!)) ?? NOT_FOR_ROUTE;
      else if (token !== null) result = await verifyToken(ctx, token);
      let identity: Identity;
      if (result !== undefined) {
        if (!('identity' in result)) {
          ctx.log.info('header token refused', { reason: result.detail });
          return refuse(ctx, result.status, result.error, result.detail);
        }
        identity = result.identity;
      } else {
        const clientId = h.get(idHeader);
        const clientSecret = h.get(secretHeader);
        if (clientId === null && clientSecret === null) return next();
        const match = clientId !== null && clientSecret !== null ? services.session.serviceToken(clientId, clientSecret) : null;
        if (!match) {
          ctx.log.info('service token refused');
          return refuse(ctx, 401, 'invalid_client', clientId === null || clientSecret === null ? 'send both the client id and the client secret' : 'unknown client id or wrong secret');
        }
        identity = { ...match, via: 'header-jwt' };
      }
      ctx.identity = identity;
      return next();
    };
  },
});
