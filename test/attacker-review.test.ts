/**
 * An attacker's review of the newest features: each test is a hole found by trying to steer the
 * gateway, stall it or leak through it, and fails when the fix that closed it is removed.
 * - regex routes: patterns the backtracking check accepted that still take seconds on a hostile
 *   path (the case-folded copy used for the lenient reading, bounded repetitions side by side,
 *   an optional item hiding what an alternative starts with);
 * - `Location` mapped back after `prefix_rewrite`: a same-origin upstream path must not become a
 *   protocol-relative one (`/app//evil.example` → `//evil.example`);
 * - `branding.logo_url`: its origin lands in the CSP, so the host must be a plain host name;
 * - `/status` and `/metrics` name upstream members without the query of `to`.
 * Marked `test.failing`, as their fixes belong to files this review did not edit:
 * - src/proxy/proxy.ts: a client that sends its request body slowly makes the route time out,
 *   and three such requests take the only member out for everyone for 10 s;
 * - plugins/path-prefix/rewrite-location.ts: the same `//evil.example` mapping as above.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { logoImgSource, logoUrlProblem } from '../src/config/branding.ts';
import { createMember } from '../src/proxy/pool-member.ts';
import { restorePaths } from '../src/proxy/restore-paths.ts';
import { prefixRewrite } from '../src/proxy/path-rewrite.ts';
import { compileRegexMatch } from '../src/router/path-matcher.ts';
import { createReverseMapper } from '../plugins/path-prefix/path-map.ts';
import { rewriteLocation } from '../plugins/path-prefix/rewrite-location.ts';
import { startGateway, type TestGateway } from './support/gateway.ts';
import { rawRequest, startRawUpstream, type RawUpstream } from './support/raw-http.ts';

setDefaultTimeout(30_000);

describe('regex routes: accepted patterns stay fast on hostile paths', () => {
  // Each of these took seconds (or grows exponentially) on a path of a few dozen to a few
  // thousand characters before it was refused at load.
  const slow: [string, string][] = [
    // The lenient reading runs the regex case-insensitively (`iu`): `A+` then also matches `a`.
    ['/(?:a+A+)+', 'the case-folded copy nests a+ in a+'],
    ['/(?:x|X)+', 'x and X are one letter to the case-folded copy'],
    ['/(?:k|\u212a)+', 'the Kelvin sign folds to k'],
    ['/(?:s+\u017f)+', 'the long s folds to s'],
    // Bounded repetitions side by side split the text as many ways as unbounded ones.
    ['/.{0,3000}.{0,3000}.{0,3000}x', 'three bounded repetitions share one text'],
    ['/' + 'a?'.repeat(30) + 'a'.repeat(30), 'a?ⁿaⁿ, the textbook exponential'],
    // An optional item first: the branch can start with what follows it.
    ['/(?:\\d?b|/|b)*\\d', 'the branch \\d?b can start with b, like the branch b'],
  ];
  for (const [source, why] of slow) {
    test(`refused: ${JSON.stringify(source)} (${why})`, () => {
      const compiled = compileRegexMatch(source);
      expect('problem' in compiled ? compiled.problem : 'accepted').toContain('is refused at');
    });
  }

  test('the refusal says the case-folded reading is why, when it is', () => {
    const compiled = compileRegexMatch('/(?:x|X)+');
    expect('problem' in compiled && compiled.problem).toContain('case');
  });

  test('patterns that are fast either way still pass', () => {
    for (const source of ['/items/(\\d+)', '/(?:[a-z]+/)*[a-z]+', '/v[0-9]{1,3}/.*', '/[a-z]{2,8}-[a-z]{2,8}', '/(?:/[^/]+)*', '/(?:a|b)*', '/[Ii]tems/(\\d+)', '/files/.+']) {
      expect(compileRegexMatch(source)).not.toHaveProperty('problem');
    }
  });
});

describe('Location mapped back after prefix_rewrite never leaves the origin', () => {
  const rewrite = prefixRewrite('/', '/app');
  const map = (path: string, query: string) => rewrite.publicPath(path, query, '', '', '');
  const mapped = (location: string) => {
    const headers = new Headers({ location });
    restorePaths(headers, map, { publicOrigin: 'https://app.example.test', location: true, cookies: true });
    return headers.get('location')!;
  };

  test('a path the rewrite would turn protocol-relative is left as the upstream sent it', () => {
    expect(mapped('/app/x')).toBe('/x');
    for (const location of ['/app//evil.example/x', '/app/\\evil.example/x', '/app/\t/evil.example/x']) {
      expect(mapped(location)).toBe(location);
    }
  });

  test('absolute ones on the client origin stay absolute', () => {
    expect(mapped('https://app.example.test/app//evil.example/x')).toBe('https://app.example.test//evil.example/x');
  });

  describe('over HTTP: a directory redirect of a //host path', () => {
    let upstream: RawUpstream;
    let g: TestGateway;
    beforeAll(async () => {
      // Like nginx or Apache adding the trailing slash to a directory: the same path, plus `/`.
      upstream = startRawUpstream((head) => {
        const target = head.split('\r\n')[0]!.split(' ')[1]!;
        return `HTTP/1.1 301 Moved Permanently\r\nLocation: ${target}/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
      });
      g = await startGateway(`routes:
  - from: http://app.example.test
    prefix_rewrite: /app
    to: http://127.0.0.1:${upstream.port}
    policy: { public: true }
`);
    });
    afterAll(async () => {
      await g?.stop();
      upstream?.stop();
    });

    test('the client is not sent to //evil.example', async () => {
      const r = await rawRequest(g.port, 'GET //evil.example/x HTTP/1.1\r\nHost: app.example.test\r\nConnection: close\r\n\r\n');
      expect(r.status).toBe(301);
      const location = r.header('location')!;
      expect(new URL(location, 'https://app.example.test/').host).toBe('app.example.test');
    });
  });
});

describe('path-prefix mounted at /: the same mapping, in the plugin', () => {
  // Fix belongs to plugins/path-prefix/rewrite-location.ts (not made here); flip to `test` then.
  test('a same-origin upstream path is not turned into //evil.example', () => {
    const rewrite = createReverseMapper('/', '/internal', ['http://10.0.0.5:9000']);
    const stripped = createReverseMapper('/', '', ['http://10.0.0.5:9000/base']);
    expect(rewriteLocation('/internal//evil.example/x', rewrite, 'https://app.example.test')).toBe('/internal//evil.example/x');
    expect(rewriteLocation('/internal/\\evil.example/x', rewrite, 'https://app.example.test')).toBe('/internal/\\evil.example/x');
    expect(rewriteLocation('/base//evil.example/x', stripped, 'https://app.example.test')).toBe('/base//evil.example/x');
  });
});

describe('branding.logo_url: its origin is written into the CSP', () => {
  test('a host with CSP syntax or a wildcard is refused', () => {
    for (const bad of ['https://a.example;script-src-elem/l.png', 'https://a.example;frame-ancestors/l.png', 'https://a,b/l.png', 'https://*.example/l.png', 'https://*/l.png']) {
      expect(logoUrlProblem(bad)).toBeDefined();
    }
  });

  test('plain hosts, ports and IP addresses pass, and their origin is all the CSP gets', () => {
    for (const ok of ['https://cdn.example.test/logo.svg', 'https://cdn.example.test:8443/l.png', 'https://192.0.2.1/l.png', 'https://[2001:db8::1]/l.png', 'https://bücher.example/l.png']) {
      expect(logoUrlProblem(ok)).toBeUndefined();
      expect(logoImgSource(ok)).toMatch(/^https:\/\/[a-z0-9.\-:[\]]+$/);
    }
  });
});

describe('passive health: a client cannot take a member out for everyone', () => {
  // The route's timeout runs while the request body is still arriving, so a client that sends
  // its body slowly times the upstream out through no fault of its own; three in a row take the
  // only member out for 10 s (503 to everyone), and three more every 10 s keep it out. Envoy
  // starts the route timeout once the whole request is received; nginx never marks the only
  // server of a group down. Flip to `test` once proxy.ts stops blaming the member for these.
  test('three slow uploads do not make the next client get 503', async () => {
    const up = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: async (request) => (await request.text(), new Response('ok')) });
    const g = await startGateway(`routes:
  - from: http://app.example.test
    to: http://127.0.0.1:${up.port}
    timeout: 300ms
    policy: { public: true }
`);
    try {
      for (let i = 0; i < 3; i++) {
        const slow = await rawRequest(g.port, 'POST /upload HTTP/1.1\r\nHost: app.example.test\r\nContent-Length: 100\r\nConnection: close\r\n\r\nx', 5000);
        expect(slow.status).toBe(504);
      }
      const next = await rawRequest(g.port, 'GET / HTTP/1.1\r\nHost: app.example.test\r\nConnection: close\r\n\r\n');
      expect(next.status).toBe(200);
    } finally {
      await g.stop();
      up.stop();
    }
  });
});

describe('/status and /metrics name a member without the secrets of its URL', () => {
  test('user info, query and fragment are left out of the label', () => {
    const member = createMember('https://svc:pa55@10.0.0.5:8443/base?api_key=s3cret#frag');
    expect(member.label).toBe('https://10.0.0.5:8443/base');
  });
});
