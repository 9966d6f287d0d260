/**
 * `gatehouse explain` against what Chromium really recorded for every seed example
 * (test/fixtures/har, made by test/fixtures/har/record.ts; no browser needed here):
 *
 * - on `<seed>.broken.har` with `<seed>.broken.yaml` (the example with its fix taken out) it
 *   exits 1 and names, for the request that failed in the browser, the step of the failure and
 *   a fix of the technique the example uses (docs/cross-origin.md's decision table);
 * - on `<seed>.fixed.har` with the shipped examples/<seed>/gatehouse.yaml it finds nothing and
 *   exits 0.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { EXAMPLES_DIR, SERVICE_TOKEN } from '../examples/shared/run.ts';
import { HAR_DIR, SEEDS } from './fixtures/har/record.ts';
import { BUN, MAIN, ROOT } from './support/process.ts';

const recorded = JSON.parse(readFileSync(join(HAR_DIR, 'recorded.json'), 'utf8')) as {
  port: number;
  seeds: Record<string, { broken: { page: string }; fixed: { page: string } }>;
};

/**
 * What the browser met in each broken recording, and what explain must say about it.
 *
 * `request`: the request that failed in the browser (method, host and path).
 * `step`: the first step that failed, in the order the browser takes them.
 * `technique`: the fix's technique, as docs/cross-origin.md's decision table names it.
 * `yaml`: what the fix must contain (the example's own plugin or setting).
 *
 * Notes on the choices (the HARs are Playwright's: they hold NO preflight entries, and a request
 * the browser blocked for CORS has `status: -1`, `_failureText: "net::ERR_FAILED"`, no response
 * headers and no Cookie header even when the page sent credentials):
 * - pomerium-single-domain: the POST to /api reached the app's route (routes[0]), whose upstream
 *   answered 404: nothing routes /api to the API. Fix: a path-prefix mount. The step is
 *   `api_not_mounted`, not `not_routed`: Gatehouse did route the request (to the app, the wrong
 *   place), and `not_routed` is the verdict for requests no route serves at all (404 no_route).
 * - pomerium-header-token: the first request that failed is the page's token request: with no
 *   route reading Gatehouse tokens (no header-jwt), /.gatehouse/token answers 404, the page sends
 *   `X-Gatehouse-Authorization: undefined` and the API's route answers 401. Fix: header-jwt.
 * - pomerium-shared-cookie: same site, preflight answered by Gatehouse, but without
 *   cookie_domain the cookie set on app. never goes to api.: 401 (readable, with CORS headers).
 * - banyan-multi-domain-credentials, cloudflare-bypass-options, cloudflare-respond-preflight:
 *   a PUT with JSON is preflighted; with nothing letting the OPTIONS past trust-cookie it is
 *   refused (401), and the PUT is never sent. The broken configs and HARs of these three are
 *   alike (no preflight plugin, no exemption, `status: -1`), so explain cannot tell whether the
 *   API owns CORS: either shared-cookie variant is right for the browser (a responding
 *   `preflight` plugin replaces the API's CORS headers), so the technique must be of the
 *   "Shared cookie domain" family and the YAML must let the preflight through.
 * - banyan-*-header: the preflight is exempted (app-preflights) and the API answers it, but the
 *   GET itself (no cookie: no credentials) is stopped by trust-cookie with a 401 that has no
 *   Access-Control-Allow-Origin, so the page cannot read it. Fix: the header-locked exemption.
 * - cloudflare-worker-service-token: same origin; the /api mount forwards to the API's route
 *   without the service token that route's policy requires: 401. Fix: the mount's
 *   set_request_headers with the client id/secret of `service_tokens`.
 */
interface Expected {
  request: { method: string; host: string; path: string };
  step: string;
  /** The technique's name, or for the shared-cookie family every name it may take. */
  technique: string | string[];
  yaml: RegExp[];
}

const SHARED_COOKIE_FAMILY = ['Shared cookie domain', 'Shared cookie domain + preflights let through'];
const api = (host: string, method: string, path: string) => ({ method, host: `${host}:${recorded.port}`, path });

const EXPECTED: Record<string, Expected> = {
  'pomerium-single-domain': {
    request: api('app.foo.localhost', 'POST', '/api'),
    step: 'api_not_mounted',
    technique: 'Mount the API under a path',
    yaml: [/use: path-prefix/, /prefix: \/api/],
  },
  'pomerium-header-token': {
    request: api('app.foo.localhost', 'GET', '/.gatehouse/token'),
    step: 'token_refused',
    technique: 'Header token',
    yaml: [/use: header-jwt/],
  },
  'pomerium-shared-cookie': {
    request: api('api.foo.localhost', 'POST', '/'),
    step: 'cookie_not_sent',
    technique: 'Shared cookie domain',
    yaml: [/cookie_domain: \.foo\.localhost/],
  },
  'banyan-multi-domain-credentials': {
    request: api('api.foo.localhost', 'PUT', '/api/v1/items'),
    step: 'preflight_refused',
    technique: SHARED_COOKIE_FAMILY,
    yaml: [/use: (preflight|origin-exemption)/],
  },
  'banyan-multi-domain-header': {
    request: api('api.foo.localhost', 'GET', '/api/v1/items'),
    step: 'missing_allow_origin',
    technique: 'Origin exemption',
    yaml: [/use: origin-exemption/, /X-Secret-Auth/i],
  },
  'banyan-single-domain-header': {
    request: api('api.bar.localhost', 'GET', '/api/v1/items'),
    step: 'missing_allow_origin',
    technique: 'Origin exemption',
    yaml: [/use: origin-exemption/, /X-Secret-Auth/i],
  },
  'cloudflare-bypass-options': {
    request: api('api.foo.localhost', 'PUT', '/items'),
    step: 'preflight_refused',
    technique: SHARED_COOKIE_FAMILY,
    yaml: [/use: preflight/, /PUT|mode: forward/],
  },
  'cloudflare-respond-preflight': {
    request: api('api.foo.localhost', 'PUT', '/items'),
    step: 'preflight_refused',
    technique: SHARED_COOKIE_FAMILY,
    yaml: [/use: preflight/, /PUT|mode: forward/],
  },
  'cloudflare-worker-service-token': {
    request: api('app.foo.localhost', 'GET', '/api/hello'),
    step: 'service_token_not_sent',
    technique: 'Path mount with a service token',
    yaml: [/X-Gatehouse-Client-Id/i],
  },
};

interface Explained {
  failures: number;
  requests: {
    method: string;
    url: string;
    route: string | null;
    status: number;
    verdict: 'ok' | 'failed' | 'not_routed';
    step?: string;
    message?: string;
    fix?: { technique: string; yaml: string };
  }[];
}

/** The environment the examples' `${…}` variables were recorded with (upstream ports are not in any HAR). */
const ENV = {
  GATEHOUSE_PORT: String(recorded.port),
  APP_PORT: '3001',
  API_PORT: '3002',
  WORKER_CLIENT_ID: SERVICE_TOKEN.id,
  WORKER_CLIENT_SECRET: SERVICE_TOKEN.secret,
};

function gatehouse(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync([BUN, MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...ENV }, stdout: 'pipe', stderr: 'pipe' });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function explain(config: string, har: string): Explained & { code: number; raw: string } {
  const r = gatehouse(['explain', '-c', config, '--har', har, '--format', 'json']);
  let parsed: Explained;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new Error(`explain (exit ${r.code}) printed no JSON:\n${r.stdout}\n${r.stderr}`);
  }
  return { ...parsed, code: r.code, raw: r.stdout };
}

const matches = (want: Expected['request']) => (r: Explained['requests'][number]) => {
  const url = new URL(r.url);
  return r.method === want.method && url.host === want.host && url.pathname === want.path;
};


describe('HAR fixtures (test/fixtures/har)', () => {
  for (const seed of SEEDS) {
    test(`${seed.name}: recorded broken and fixed, broken.yaml is the shipped config without its fix`, () => {
      for (const f of ['broken.har', 'fixed.har', 'broken.yaml']) expect(existsSync(join(HAR_DIR, `${seed.name}.${f}`))).toBe(true);
      const doc = parseDocument(readFileSync(join(EXAMPLES_DIR, seed.name, 'gatehouse.yaml'), 'utf8'));
      seed.unfix(doc);
      // A changed example needs re-recording: bun test/fixtures/har/record.ts <seed>
      expect(readFileSync(join(HAR_DIR, `${seed.name}.broken.yaml`), 'utf8')).toBe(doc.toString());
      expect(recorded.seeds[seed.name]!.fixed.page).toBe('200');
      expect(recorded.seeds[seed.name]!.broken.page).not.toBe('200');
      // The broken recording holds the request explain must speak about.
      const har = JSON.parse(readFileSync(join(HAR_DIR, `${seed.name}.broken.har`), 'utf8'));
      const want = EXPECTED[seed.name]!.request;
      const hit = har.log.entries.find((e: { request: { method: string; url: string } }) => {
        const url = new URL(e.request.url);
        return e.request.method === want.method && url.host === want.host && url.pathname === want.path;
      });
      expect(hit).toBeDefined();
      expect(hit.response.status).not.toBe(200);
    });
  }
});

describe('gatehouse explain on the seeds\' recorded HARs', () => {
  for (const seed of SEEDS) {
    const want = EXPECTED[seed.name]!;
    test(`${seed.name}: the broken recording fails at ${want.step}, fixed by ${[want.technique].flat().join(' | ')}`, () => {
      const out = explain(join(HAR_DIR, `${seed.name}.broken.yaml`), join(HAR_DIR, `${seed.name}.broken.har`));
      const context = `explain said:\n${out.raw}`;
      expect(out.code, context).toBe(1);
      expect(out.failures, context).toBeGreaterThanOrEqual(1);
      expect(out.failures, context).toBe(out.requests.filter((r) => r.verdict !== 'ok').length);
      const hit = out.requests.find(matches(want.request));
      expect(hit, `no entry for ${want.request.method} ${want.request.host}${want.request.path}; ${context}`).toBeDefined();
      expect(hit!.verdict, context).not.toBe('ok');
      expect(hit!.step, context).toBe(want.step);
      expect(hit!.message, context).toBeTruthy();
      const fix = hit!.fix;
      expect(fix, context).toBeDefined();
      expect([want.technique].flat(), context).toContain(fix!.technique);
      for (const re of want.yaml) expect(fix!.yaml, context).toMatch(re);
      // Sign-in navigations and the page load were fine in every recording.
      for (const r of out.requests.filter((r) => new URL(r.url).pathname.startsWith('/.gatehouse/sign_in'))) expect(r.verdict, context).toBe('ok');
    });

    test(`${seed.name}: the fixed recording with the shipped config has no failure`, () => {
      const out = explain(join(EXAMPLES_DIR, seed.name, 'gatehouse.yaml'), join(HAR_DIR, `${seed.name}.fixed.har`));
      const context = `explain said:\n${out.raw}`;
      expect(out.failures, context).toBe(0);
      expect(out.requests.filter((r) => r.verdict !== 'ok'), context).toEqual([]);
      expect(out.code, context).toBe(0);
    });
  }
});
