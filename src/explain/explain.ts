/**
 * `gatehouse explain`'s analysis: each exchange routed through the config's real router, then
 * judged as the browser judged the recorded answer.
 */
import type { Gateway } from '../gateway/gateway.ts';
import { compileHostPattern, type HostPattern } from '../router/host-pattern.ts';
import { headerList, isPreflight, pageOrigin, type Exchange } from './exchange.ts';
import { simulate } from './simulate.ts';
import type { Fix } from './fixes.ts';
import { judge, type SessionFacts, type Step } from './judge.ts';
import { pathKeyLine, routeFacts } from './route-facts.ts';
import { judgeSameOrigin, judgeTokenRequest } from './same-origin.ts';

export interface ExplainedRequest {
  method: string;
  url: string;
  /** `routes[1]`; `gatehouse` for Gatehouse's own endpoints; null when no route serves it. */
  route: string | null;
  status: number;
  verdict: 'ok' | 'failed' | 'not_routed';
  /** The first failing step; `no_route` / `ambiguous_path` with `not_routed`; null when ok. */
  step: Step | 'no_route' | 'ambiguous_path' | null;
  message: string;
  fix: Fix | null;
  /** The route's plugins in order (an implied `trust-cookie` included) and its policy. */
  plugins?: string[];
  policy?: Record<string, unknown>;
  /** `--request` only: whether the simulated request would have reached the upstream. */
  upstream_reached?: boolean;
}

export interface ExplainReport {
  /** Requests whose verdict is not `ok` (`failed` or `not_routed`). */
  failures: number;
  requests: ExplainedRequest[];
}

/** Reads routing and session facts off a built gateway; `explain` judges exchanges with them. */
export function createExplainer(gateway: Gateway) {
  const { config } = gateway.loaded;
  const patterns = config.routes.map((r) => compileHostPattern(r.from));
  const session: SessionFacts = {
    cookieName: config.session.cookie_name,
    sameSite: config.session.cookie_same_site,
    cookieDomain: config.session.cookie_domain,
    authHost: config.authenticate ? new URL(config.authenticate.url).host.toLowerCase() : undefined,
  };

  /** Whether some route's `from` names this host (whatever the path). */
  const hostRouted = (url: URL) => patterns.some((p) => hostMatches(p, url));

  function explainOne(e: Exchange, partner?: Exchange): ExplainedRequest {
    const base = { method: e.method, url: e.url.href, status: e.status };
    const found = gateway.lookup(e.url);
    if (found.kind === 'gatehouse') {
      const refused = judgeTokenRequest(e, config, gateway.lookup);
      if (refused) return { ...base, route: 'gatehouse', verdict: 'failed', step: refused.step, message: refused.message, fix: refused.fix };
      return { ...base, route: 'gatehouse', verdict: 'ok', step: null, message: "Gatehouse's own endpoint (/.gatehouse/* or the sign-in host); no route's plugins apply", fix: null };
    }
    if (found.kind === 'none') {
      const matchers = config.routes.filter((_, i) => hostMatches(patterns[i]!, e.url)).map((r) => pathKeyLine(r) ?? 'prefix: /');
      return { ...base, route: null, verdict: 'not_routed', step: 'no_route', message: `no route serves ${e.url.pathname} on ${e.url.host} (its routes match ${matchers.join('; ')}); Gatehouse answers 404 no_route: add a route or a prefix for it`, fix: null };
    }
    if (found.kind === 'ambiguous') return { ...base, route: null, verdict: 'not_routed', step: 'ambiguous_path', message: `the path can be read differently by other servers (${found.reason}); Gatehouse answers 400 ambiguous_path (see docs/routing.md)`, fix: null };
    const index = Number(/\d+/.exec(found.route.id)![0]);
    const route = routeFacts(config, index);
    const described = { ...base, route: route.id, plugins: route.plugins, policy: route.policy };
    const finding = judge({ exchange: e, route, session, partner }) ?? judgeSameOrigin(e, route, config, gateway.lookup);
    if (!finding) return { ...described, verdict: 'ok', step: null, message: `${isPreflight(e) ? 'preflight' : 'request'} served by ${route.id} (${route.from}); the browser accepted the ${e.status} answer${e.status === 401 ? ' (no valid credential came with it: sign in, and check that the fetch says credentials: \'include\')' : ''}`, fix: null };
    return { ...described, verdict: 'failed', step: finding.step, message: finding.message, fix: finding.fix };
  }

  return {
    /** Judges the exchanges on routed hosts, pairing each preflight with its actual request. */
    explain(exchanges: Exchange[]): ExplainReport {
      const requests: ExplainedRequest[] = [];
      exchanges.forEach((e, i) => {
        if (!hostRouted(e.url) && gateway.lookup(e.url).kind !== 'route') return;
        requests.push(explainOne(e, partnerOf(exchanges, i)));
      });
      return report(requests);
    },
    /**
     * As `explain`, but a cross-origin request the browser blocked with no answer recorded
     * (Playwright: `status: -1`, no preflight entry) is replayed through the real pipeline: its
     * preflight first when it needed one, else the request itself, and judged on that answer.
     */
    async explainReplaying(exchanges: Exchange[]): Promise<ExplainReport> {
      const requests: ExplainedRequest[] = [];
      for (const [i, e] of exchanges.entries()) {
        if (!hostRouted(e.url) && gateway.lookup(e.url).kind !== 'route') continue;
        const origin = pageOrigin(e);
        if (e.status > 0 || isPreflight(e) || !origin || origin === e.url.origin || gateway.lookup(e.url).kind !== 'route') {
          requests.push(explainOne(e, partnerOf(exchanges, i)));
          continue;
        }
        const asked = nonSafelisted(e.requestHeaders);
        if (!SIMPLE.has(e.method) || asked.length > 0) {
          const pre = new Headers({ origin, 'access-control-request-method': e.method });
          if (asked.length > 0) pre.set('access-control-request-headers', asked.join(','));
          const replayed = await simulate(gateway, 'OPTIONS', e.url, pre);
          const judged = explainOne(replayed.exchange, e);
          // A preflight that reached the upstream was the API's to answer: the stand-in cannot judge it.
          if (judged.verdict !== 'ok' && !replayed.upstreamReached) {
            requests.push({ ...judged, method: e.method, url: e.url.href, status: e.status, message: `(no answer recorded; its preflight, replayed here:) ${judged.message}` });
            continue;
          }
        }
        const replayed = await simulate(gateway, e.method, e.url, e.requestHeaders, e.credentialsHint);
        const judged = explainOne({ ...replayed.exchange, resourceType: e.resourceType }, partnerOf(exchanges, i));
        requests.push({ ...judged, status: e.status, message: `(no answer recorded; replayed here, the route answered ${replayed.exchange.status}:) ${judged.message}` });
      }
      return report(requests);
    },
  };
}

/**
 * `--request`: a preflight the pipeline let through to the upstream is the API's to answer, and
 * the canned 200 standing in for the API says nothing about the API's CORS headers, so it is not
 * reported as refused.
 */
export function upstreamAnswersPreflight(r: ExplainedRequest, exchange: Exchange, upstreamReached: boolean): ExplainedRequest {
  if (!upstreamReached || !isPreflight(exchange) || r.verdict !== 'failed') return r;
  const forward = r.plugins?.includes('preflight') ? 'the preflight plugin (mode: forward) let it through' : 'nothing on the route answers preflights';
  return {
    ...r,
    verdict: 'ok',
    step: null,
    fix: null,
    message: `the preflight reached the upstream (${forward}): the API answers it, not Gatehouse; a canned 200 stood in for the API here, so its CORS headers were not checked: check them on the API (curl -i -X OPTIONS with the same headers) or record a HAR`,
  };
}

/** A report's totals. */
export function report(requests: ExplainedRequest[]): ExplainReport {
  return { failures: requests.filter((r) => r.verdict !== 'ok').length, requests };
}

/** For a preflight, the request it cleared the way for; for a request, the preflight before it. */
function partnerOf(all: Exchange[], i: number): Exchange | undefined {
  const e = all[i]!;
  if (isPreflight(e)) {
    const method = e.requestHeaders.get('access-control-request-method')!.toUpperCase();
    return all.slice(i + 1).find((x) => !isPreflight(x) && x.url.href === e.url.href && x.method === method);
  }
  return all
    .slice(0, i)
    .reverse()
    .find((x) => isPreflight(x) && x.url.href === e.url.href && x.requestHeaders.get('access-control-request-method')!.toUpperCase() === e.method);
}

const SIMPLE = new Set(['GET', 'HEAD', 'POST']);
const SAFELISTED = new Set(['accept', 'accept-language', 'content-language', 'content-type', 'range']);
const SIMPLE_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
// Headers the browser sets itself; a page cannot, so they never appear in a preflight.
const BROWSER_SET = /^(sec-|proxy-)|^(accept-charset|accept-encoding|access-control-request-headers|access-control-request-method|connection|content-length|cookie|cookie2|date|dnt|expect|host|keep-alive|origin|referer|te|trailer|transfer-encoding|upgrade|user-agent|via|priority|pragma|cache-control)$/;

/** Request headers a page set that a preflight must ask for, lower-case. */
function nonSafelisted(headers: Headers): string[] {
  const out: string[] = [];
  headers.forEach((value, name) => {
    if (BROWSER_SET.test(name)) return;
    if (name === 'content-type' && !SIMPLE_TYPES.has(value.split(';')[0]!.trim().toLowerCase())) out.push(name);
    else if (!SAFELISTED.has(name)) out.push(name);
  });
  return out.sort();
}

function hostMatches(p: HostPattern, url: URL): boolean {
  const host = url.hostname.toLowerCase();
  const hostOk = p.wildcard ? host.endsWith(`.${p.host}`) : host === p.host;
  return hostOk && (p.port === undefined || p.port === url.port);
}
