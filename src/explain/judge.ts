/**
 * What the browser did with a recorded answer, step by step as the Fetch standard takes them;
 * the first step that fails is reported, with the config change that fixes it.
 */
import { headerList, isPreflight, isScriptRequest, pageOrigin, type Exchange } from './exchange.ts';
import { credentialFix, preflightFix, TECHNIQUE, type CorsNeed, type Fix } from './fixes.ts';
import { originAllowed, type RouteFacts } from './route-facts.ts';
import { domainCovers, siteOf } from './site.ts';

export type Step =
  | 'preflight_refused'
  | 'preflight_redirected'
  | 'method_not_allowed'
  | 'header_not_allowed'
  | 'missing_allow_origin'
  | 'credentials_not_allowed'
  | 'wildcard_with_credentials'
  | 'redirect_to_sign_in'
  | 'cookie_not_sent'
  | 'api_not_mounted'
  | 'service_token_not_sent'
  | 'token_refused';

export interface Finding {
  step: Step;
  message: string;
  fix: Fix;
}

/** The config's session settings that decide whether the trust cookie travels. */
export interface SessionFacts {
  cookieName: string;
  sameSite: 'lax' | 'strict' | 'none';
  cookieDomain?: string;
  /** The sign-in host (`authenticate.url`), lower-case `host[:port]`. */
  authHost?: string;
}

export interface JudgeInput {
  exchange: Exchange;
  route: RouteFacts;
  session: SessionFacts;
  /** For a preflight, the actual request that followed it; for an actual request, its preflight. */
  partner?: Exchange;
}

const SIMPLE_METHODS = new Set(['GET', 'HEAD', 'POST']);

/** The first failing step of `input.exchange`, or null when the browser accepted the answer. */
export function judge(input: JudgeInput): Finding | null {
  const { exchange: e } = input;
  const origin = pageOrigin(e);
  if (isPreflight(e)) return judgePreflight(input, origin!);
  const crossOrigin = origin !== undefined && origin !== e.url.origin;
  return judgeActual(input, origin, crossOrigin);
}

/** The page asked for cookies: it sent one, a hint says so, or (for a preflight) the request after it did. */
function credentialed(e: Exchange, partner?: Exchange): boolean {
  const sent = (x: Exchange) => x.requestHeaders.has('cookie') || x.credentialsHint === true;
  return sent(e) || (isPreflight(e) && partner !== undefined && sent(partner));
}

function judgePreflight({ exchange: e, route, partner }: JudgeInput, origin: string): Finding | null {
  const method = e.requestHeaders.get('access-control-request-method')!.toUpperCase();
  const wanted = headerList(e.requestHeaders.get('access-control-request-headers'));
  const credentials = credentialed(e, partner);
  const need = { origin, method, headers: wanted, credentials };
  const h = e.responseHeaders;
  if (e.status >= 300 && e.status < 400) {
    return {
      step: 'preflight_redirected',
      message: `the preflight (OPTIONS) was answered ${e.status} with a redirect${e.location ? ` to ${e.location}` : ''}; browsers never follow a preflight's redirect, so the ${method} was never sent. ${noPreflightPlugin(route)}`,
      fix: corsFix(route, { ...need, respond: true }, e.url),
    };
  }
  if (e.status < 200 || e.status > 299) {
    return { step: 'preflight_refused', message: `the preflight (OPTIONS) got ${e.status || 'no answer'}, not 2xx, so the ${method} was never sent: ${whyRefused(route, need)}`, fix: corsFix(route, { ...need, respond: true }, e.url) };
  }
  const allowOrigin = h.get('access-control-allow-origin');
  if (allowOrigin !== origin && allowOrigin !== '*') {
    return {
      step: 'preflight_refused',
      message: `the preflight answer ${allowOrigin ? `allows origin ${allowOrigin}, not ${origin}` : 'has no Access-Control-Allow-Origin'}, so the ${method} was never sent${route.preflight?.mode === 'forward' ? ' (mode: forward leaves it to the API, which did not answer it)' : ''}`,
      fix: corsFix(route, { ...need, respond: true }, e.url),
    };
  }
  const cred = credentialFailure(h, origin, credentials, 'preflight answer', route, need, e.url);
  if (cred) return cred;
  const methods = headerList(h.get('access-control-allow-methods'));
  if (!SIMPLE_METHODS.has(method) && !methods.includes(method.toLowerCase()) && !(methods.includes('*') && !credentials)) {
    return { step: 'method_not_allowed', message: `the preflight answer does not list ${method} in Access-Control-Allow-Methods, so the ${method} was never sent`, fix: corsFix(route, { ...need, respond: true }, e.url) };
  }
  const allowed = headerList(h.get('access-control-allow-headers'));
  const missing = wanted.filter((name) => !allowed.includes(name) && !(allowed.includes('*') && !credentials && name !== 'authorization'));
  if (missing.length > 0) {
    return {
      step: 'header_not_allowed',
      message: `the page sends ${missing.join(', ')}, which the preflight answer's Access-Control-Allow-Headers does not list, so the ${method} was never sent`,
      fix: corsFix(route, { ...need, respond: true }, e.url),
    };
  }
  return null;
}

function judgeActual({ exchange: e, route, session, partner }: JudgeInput, origin: string | undefined, crossOrigin: boolean): Finding | null {
  const credentials = credentialed(e) || (partner !== undefined && credentialed(partner));
  const sameSite = origin !== undefined && siteOf(origin) === siteOf(e.url);
  const need = { origin: origin ?? e.url.origin, method: e.method, headers: partner ? headerList(partner.requestHeaders.get('access-control-request-headers')) : [], credentials };
  // The redirect is the cause; the CORS error the page sees for it is only the symptom.
  if (e.status >= 300 && e.status < 400 && isScriptRequest(e) && isSignIn(e.location, session)) {
    return {
      step: 'redirect_to_sign_in',
      message: `the ${e.method} (a script's fetch/XHR) was redirected to sign in${crossOrigin ? '; the page sees only a network error' : ''}: no valid session reached ${e.url.host}`,
      fix: crossOrigin ? credentialFix(route, need.origin, e.url, sameSite, e.method, need.headers) : corsFix(route, need, e.url),
    };
  }
  if (crossOrigin && origin) {
    const allowOrigin = e.responseHeaders.get('access-control-allow-origin');
    if (allowOrigin !== origin && allowOrigin !== '*') {
      return {
        step: 'missing_allow_origin',
        message: `the ${e.status} answer ${allowOrigin ? `allows origin ${allowOrigin}, not ${origin}` : 'has no Access-Control-Allow-Origin'}, so the page cannot read it (TypeError: Failed to fetch)${route.preflight?.mode === 'forward' ? '; with mode: forward the API must add it' : route.preflight ? '' : '; the route has no preflight plugin'}`,
        fix: route.plugins.includes('origin-exemption') ? exemptionFix(route, origin, e) : corsFix(route, { ...need, respond: true }, e.url),
      };
    }
    const cred = credentialFailure(e.responseHeaders, origin, credentials, `${e.status} answer`, route, need, e.url);
    if (cred) return cred;
  }
  if (crossOrigin && origin && route.protected && route.trustCookie && (e.status === 401 || e.status === 302) && !hasCookie(e, session.cookieName) && !e.requestHeaders.has('authorization') && !e.requestHeaders.has('x-gatehouse-authorization')) {
    const why = cookieBlocker(e.url, origin, session);
    if (why) return { step: 'cookie_not_sent', message: `the trust cookie (${session.cookieName}) was not sent to ${e.url.host}, so the answer was ${e.status}: ${why}`, fix: credentialFix(route, origin, e.url, sameSite, e.method, need.headers) };
  }
  return null;
}

function credentialFailure(h: Headers, origin: string, credentials: boolean, what: string, route: RouteFacts, need: { origin: string; method?: string; headers: string[] }, url: URL): Finding | null {
  if (!credentials) return null;
  const fix = corsFix(route, { ...need, credentials: true, respond: true }, url);
  if (h.get('access-control-allow-credentials') !== 'true') {
    return { step: 'credentials_not_allowed', message: `the page sends credentials (cookies), but the ${what} has no Access-Control-Allow-Credentials: true, so the browser refuses it`, fix };
  }
  if (h.get('access-control-allow-origin') === '*') {
    return { step: 'wildcard_with_credentials', message: `the ${what} allows origin *, which browsers refuse for requests with credentials; it must name ${origin}`, fix };
  }
  return null;
}

/**
 * CORS settings that admit the page; but a page on another site never gets the trust cookie
 * across, so a route that only reads the cookie needs the header token instead.
 */
function corsFix(route: RouteFacts, need: CorsNeed, url: URL): Fix {
  if (route.protected && route.trustCookie && !route.headerJwt && siteOf(need.origin) !== siteOf(url)) return credentialFix(route, need.origin, url, false, need.method, need.headers);
  return preflightFix(route, need);
}

/** The route already steps aside for this origin's preflights: let its calls through too, locked by their own header. */
function exemptionFix(route: RouteFacts, origin: string, e: Exchange): Fix {
  const custom = [...e.requestHeaders.keys()].filter((n) => n.startsWith('x-'));
  const rule = [`- name: app-api-calls`, `  origins: [${origin}]`, `  methods: [${e.method}]`, ...(custom.length ? [`  require_headers: [${custom.join(', ')}]   # checked by the API`] : [])];
  const yaml = `routes:\n  - from: ${route.from}   # ${route.id}\n    plugins:\n      - use: origin-exemption\n        rules:                             # next to the existing rules\n${rule.map((l) => `          ${l}`).join('\n')}\n`;
  return { technique: TECHNIQUE.originExemption, yaml };
}

function whyRefused(route: RouteFacts, need: { origin: string; method: string; headers: string[] }): string {
  const pre = route.preflight;
  if (!pre) return noPreflightPlugin(route);
  if (pre.mode === 'forward') return originAllowed(pre.origins, need.origin) ? 'mode: forward sent it to the API, which refused it' : `${need.origin} is not in allow_origins, so the preflight went through the auth plugins, which never see a cookie on a preflight`;
  if (!originAllowed(pre.origins, need.origin)) return `${need.origin} is not in the preflight plugin's allow_origins`;
  // The plugin answers "*" literally without credentials and names the request's own method and
  // headers with them, so "*" covers any method either way; never Authorization (Fetch standard).
  if (!SIMPLE_METHODS.has(need.method) && !pre.methods.includes(need.method) && !pre.methods.includes('*')) return `${need.method} is not in the preflight plugin's allow_methods`;
  const allowed = pre.headers.map((x) => x.toLowerCase());
  const missing = need.headers.filter((x) => !allowed.includes(x) && !(allowed.includes('*') && x !== 'authorization'));
  if (missing.length > 0) return `the preflight plugin's allow_headers lacks ${missing.join(', ')}`;
  return 'the preflight plugin refused it (see its allow_* options)';
}

function noPreflightPlugin(route: RouteFacts): string {
  return route.preflight ? '' : `${route.id} has no preflight plugin, so the OPTIONS went to ${route.protected ? 'the auth plugins and the policy, and a preflight never carries a cookie' : 'the upstream'}`;
}

function isSignIn(location: string, session: SessionFacts): boolean {
  if (!location || !URL.canParse(location, 'http://x')) return false;
  const url = new URL(location, 'http://x');
  return (session.authHost !== undefined && url.host.toLowerCase() === session.authHost) || /\/\.gatehouse\/(sign_?in|login|start)|sign-?in|login|oauth|authorize/i.test(url.pathname);
}

function hasCookie(e: Exchange, name: string): boolean {
  return (e.requestHeaders.get('cookie') ?? '').split(';').some((c) => c.trim().startsWith(`${name}=`));
}

/** Why the browser kept the cookie back, or undefined when the config is not the reason. */
function cookieBlocker(url: URL, origin: string, session: SessionFacts): string | undefined {
  if (session.cookieDomain && !domainCovers(session.cookieDomain, url.hostname)) return `${url.hostname} is outside session.cookie_domain (${session.cookieDomain})`;
  if (siteOf(origin) !== siteOf(url) && session.sameSite !== 'none') return `the page (${origin}) is on another site than ${url.host}, and the cookie is SameSite=${session.sameSite === 'lax' ? 'Lax' : 'Strict'}, which browsers never send on a cross-site fetch`;
  if (!session.cookieDomain) return `without session.cookie_domain each host has its own cookie, and ${url.hostname} has none unless the user signed in on it; or the fetch lacks credentials: 'include'`;
  return undefined;
}

export { TECHNIQUE };
