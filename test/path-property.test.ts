/**
 * Property: no generated path reaches the upstream without authentication when a lenient server
 * would read it as `/admin`. Paths are built from hostile pieces (dots, encoded dots and
 * slashes, backslashes, `;params`, double encoding, Unicode look-alikes, case variants) joined
 * with `/`, sent over a raw socket to a gateway with a public `/public` route and a signed-in
 * `/admin` route on one raw upstream that records request lines. For every request that reached
 * the upstream (never with credentials), the *lenient reading* of the path the upstream got must
 * not fall under `/admin`. The reading is written here, independently of the engine's
 * (src/http/path/readings.ts), and is deliberately at least as lenient: every escape decoded
 * repeatedly, Unicode folded (NFKC), `\` read as `/`, `;params` dropped, empty segments merged,
 * Windows trailing dots and spaces trimmed, dots resolved, case folded.
 *
 * Second property: Gatehouse never answers 5xx to any generated path.
 *
 * Bounded: numRuns 300 per property and a 40 s time limit each (FC_RUNS, FC_TIME_LIMIT_MS
 * override them); set FC_SEED to replay a run.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import { generateSigningKeyPem } from '../src/auth/tokens/keys.ts';
import { startGateway, type TestGateway } from './support/gateway.ts';
import { rawRequest, startRawUpstream, type RawUpstream } from './support/raw-http.ts';

setDefaultTimeout(Number(process.env.FC_TIME_LIMIT_MS ?? 40_000) + 30_000);

const HOST = 'app.example.test';
const NUM_RUNS = Number(process.env.FC_RUNS ?? 300);
const TIME_LIMIT_MS = Number(process.env.FC_TIME_LIMIT_MS ?? 40_000);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;

// ---------------------------------------------------------------------------------------------
// The independent lenient reading

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** One round of percent-decoding: every well-formed escape to its byte, the bytes read as UTF-8. */
function decodeOnce(text: string): string {
  if (!text.includes('%')) return text;
  const out: number[] = [];
  const bytes = encoder.encode(text);
  for (let i = 0; i < bytes.length; i++) {
    const hex = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0);
    if (bytes[i] === 0x25 && /^[0-9a-fA-F]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(bytes[i]!);
    }
  }
  return utf8.decode(new Uint8Array(out));
}

/**
 * How the sloppiest server in a chain might read the path of `target` (what follows the request
 * method): query cut, decoded until stable (with NFKC folding between rounds, so `％２ｅ` becomes
 * `%2e` and then `.`), `\` as `/`, case folded both ways (`ı` upper-cases to `I`, `K` lower-cases
 * to `k`), `;params` dropped, empty segments merged, `.. ` and `...` read as `..`, trailing dots
 * and spaces of other names dropped (Windows: `admin.` is `admin`), dots resolved.
 */
function lenientReading(target: string): string {
  let path = target.split('?', 1)[0]!;
  for (let round = 0; round < 8; round++) {
    const next = decodeOnce(path).normalize('NFKC');
    if (next === path) break;
    path = next;
  }
  path = path.replaceAll('\\', '/').toUpperCase().toLowerCase();
  const out: string[] = [];
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i++) {
    let segment = parts[i]!.split(';', 1)[0]!;
    if (/^\.\.[. \t]*$/.test(segment)) segment = '..';
    else if (/^\.[ \t]*$/.test(segment)) segment = '.';
    // Windows drops trailing dots and spaces from a name: `admin. ` is `admin` (a name that is
    // only spaces is left alone).
    else segment = segment.replace(/[. \t]+$/, '') || segment;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return '/' + out.join('/');
}

const underAdmin = (reading: string) => reading === '/admin' || reading.startsWith('/admin/');

describe('the test oracle (lenientReading) itself', () => {
  test('reads the classic bypasses as /admin', () => {
    for (const path of [
      '/admin',
      '/ADMIN/x',
      '/public/..%2Fadmin/secret',
      '/public/%2e%2e%2fadmin',
      '/public/..;/admin/',
      '/public/..%5Cadmin',
      '/public/%252e%252e/admin',
      '/public/%EF%BC%8E%EF%BC%8E/admin',
      '/public;x/../admin',
      '/public//..//admin',
      '/public/.../admin',
      '/public/%E2%80%A5/admin',
      '/public\\..\\Admin',
      '/%61dmin',
      '/adm%C4%B1n',
      '/admin./secret',
      '/Admin%20/secret',
      '/admin%C2%A0',
    ]) {
      expect(underAdmin(lenientReading(path)), path).toBe(true);
    }
  });
  test('does not read public paths as /admin', () => {
    for (const path of ['/public/x', '/public/admin', '/public/%2e/x', '/admins', '/admin.html', '/public/..x/admin', '/public?x=/../admin', '/']) {
      expect(underAdmin(lenientReading(path)), path).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The gateway

/** Pieces a segment is made of; a segment is one to three of them, a path one to six segments. */
const PIECES = [
  'public',
  'admin',
  'Admin',
  'ADMIN',
  'PUBLIC',
  'x',
  '',
  '.',
  '..',
  '...',
  '%2e',
  '%2E%2e',
  '.%2e',
  '%2F',
  '%2f',
  '%5C',
  '%5c',
  ';',
  ';x=1',
  '..;',
  '\\',
  '%252e',
  '%252F',
  '%25',
  '2e',
  '2f',
  '%3B',
  '%EF%BC%8E',
  '%EF%BC%8F',
  '%E2%80%A5',
  '%C0%AE',
  '%61dmin',
  '%20',
];

/** Pieces that are harmless on their own: weighted up so that enough paths get past the gate. */
const PLAIN = ['public', 'admin', 'x', '.', '..', ''];
const piece = fc.oneof({ arbitrary: fc.constantFrom(...PLAIN), weight: 3 }, { arbitrary: fc.constantFrom(...PIECES), weight: 2 });
const segment = fc.array(piece, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(''));
/** Half the paths start under /public, where a bypass would have to start. */
const hostilePath = fc
  .tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 6 }))
  .map(([underPublic, segments]) => '/' + (underPublic ? ['public', ...segments] : segments).join('/'));

interface Target {
  gw: TestGateway;
  up: RawUpstream;
}

/** A gateway whose `admin` route is signed-in, with `publicRoute` (a prefix or `/`) public, both to one raw upstream. */
async function startTarget(publicPrefix: string): Promise<Target> {
  const up = startRawUpstream(() => 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
  const gw = await startGateway(
    `watch: false
authenticate:
  url: http://auth.example.test
  provider: static
  static: { users: [] }
session: { cookie_secure: false, signing_key_file: key.pem }
routes:
  - from: http://${HOST}
    prefix: ${publicPrefix}
    to: http://127.0.0.1:${up.port}
    policy: { public: true }
  - from: http://${HOST}
    prefix: /admin
    to: http://127.0.0.1:${up.port}
    policy: { allow_any_authenticated_user: true }
    plugins: [{ use: trust-cookie }]
`,
    { files: { 'key.pem': generateSigningKeyPem() } },
  );
  return { gw, up };
}

/** Sends an unauthenticated GET of `path`; returns the status and the request-targets the upstream got. */
async function probe(target: Target, path: string): Promise<{ status: number; body: string; reached: string[] }> {
  const before = target.up.requests.length;
  let status = 0;
  let body = '';
  try {
    const res = await rawRequest(target.gw.port, `GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, 5000);
    status = res.status;
    body = res.body;
  } catch (error) {
    if (!/no complete response head/.test((error as Error).message)) throw error;
  }
  const reached = target.up.requests.slice(before).map((head) => head.split('\r\n', 1)[0]!.split(' ')[1]!);
  return { status, body, reached };
}

const runOptions = (examples: string[]) => ({
  numRuns: NUM_RUNS,
  interruptAfterTimeLimit: TIME_LIMIT_MS,
  markInterruptAsFailure: false,
  seed: SEED,
  verbose: 1 as const,
  // Always tried first, so every fate is represented whatever the seed.
  examples: examples.map((e) => [e] as [string]),
});

/**
 * The no-leak property over `paths` against `target`: every request that reached the upstream
 * (none carries credentials) must not read leniently as /admin, and no answer is 5xx.
 */
async function assertNoAdminLeak(target: Target, paths: fc.Arbitrary<string>, examples: string[], label: string) {
  const stats = { runs: 0, forwarded: 0, refused: 0, unauthenticated: 0, other: 0 };
  await fc.assert(
    fc.asyncProperty(paths, async (path) => {
      stats.runs++;
      const { status, body, reached } = await probe(target, path);
      if (reached.length > 0) stats.forwarded++;
      else if (status === 400 && body.includes('ambiguous_path')) stats.refused++;
      else if (status === 401) stats.unauthenticated++;
      else stats.other++;
      for (const upstreamTarget of reached) {
        const reading = lenientReading(upstreamTarget);
        expect(underAdmin(reading), `unauthenticated ${path} reached the upstream as ${upstreamTarget}, which reads leniently as ${reading}`).toBe(false);
      }
      expect(status, `${path}: ${body}`).toBeGreaterThan(0);
      expect(status, `${path}: ${body}`).toBeLessThan(500);
    }),
    runOptions(examples),
  );
  console.info(`${label}: ${JSON.stringify(stats)}`);
  // Not vacuous: enough runs, and the generator produced paths of every fate.
  expect(stats.runs).toBeGreaterThanOrEqual(100);
  expect(stats.forwarded).toBeGreaterThan(0);
  expect(stats.refused).toBeGreaterThan(0);
  expect(stats.unauthenticated).toBeGreaterThan(0);
}

describe('property: routes /public (public) and /admin (signed in)', () => {
  let target: Target;
  beforeAll(async () => void (target = await startTarget('/public')));
  afterAll(async () => {
    await target?.gw.stop();
    target?.up.stop();
  });

  test(`no unauthenticated request whose lenient reading is under /admin reaches the upstream (numRuns ${NUM_RUNS})`, async () => {
    await assertNoAdminLeak(
      target,
      hostilePath,
      ['/public/x', '/public/../admin/x', '/public/..%2Fadmin/x', '/public/..;/admin', '/ADMIN/x', '/public//..//admin'],
      'path property (/public + /admin)',
    );
  });

  test(`Gatehouse never answers 5xx (numRuns ${NUM_RUNS}, wider alphabet)`, async () => {
    const chars = fc.constantFrom(...'aA0.-_~/\\;%:@!$&\'()*+,=?'.split(''), '%2e', '%2f', '%25', '%00', '%ff', '%C0%AE', '%EF%BC%8E', '%zz', '%', '..', '//');
    const anyPath = fc.array(chars, { minLength: 0, maxLength: 24 }).map((parts) => '/' + parts.join(''));
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(anyPath, async (path) => {
        runs++;
        const { status, body, reached } = await probe(target, path);
        expect(status, `${path}: ${body}`).toBeGreaterThan(0);
        expect(status, `${path}: ${body}`).toBeLessThan(500);
        for (const upstreamTarget of reached) expect(underAdmin(lenientReading(upstreamTarget)), `${path} reached the upstream as ${upstreamTarget}`).toBe(false);
      }),
      runOptions(['/', '/%', '/%zz', '/public/%ff']),
    );
    expect(runs).toBeGreaterThanOrEqual(100);
  });
});

// With a public catch-all route, names Windows/IIS read as `admin` (`admin.`, `admin%20`,
// `Admin.`) and `adm%C4%B1n` (Java equalsIgnoreCase) must not be forwarded unauthenticated.
describe('property: routes / (public catch-all) and /admin (signed in)', () => {
  let target: Target;
  beforeAll(async () => void (target = await startTarget('/')));
  afterAll(async () => {
    await target?.gw.stop();
    target?.up.stop();
  });

  /** The same pieces plus names that some server reads as `admin`. */
  const lookalikes = ['admin.', 'admin%2e', 'admin%20', 'Admin.', 'adm%C4%B1n', 'admin%C2%A0', '%EF%BD%81dmin'];
  const piecePlus = fc.oneof(
    { arbitrary: fc.constantFrom(...PLAIN), weight: 3 },
    { arbitrary: fc.constantFrom(...PIECES), weight: 2 },
    { arbitrary: fc.constantFrom(...lookalikes), weight: 1 },
  );
  const pathPlus = fc.array(fc.array(piecePlus, { minLength: 1, maxLength: 2 }).map((p) => p.join('')), { minLength: 1, maxLength: 5 }).map((s) => '/' + s.join('/'));

  test(`no unauthenticated request whose lenient reading is under /admin reaches the upstream (numRuns ${NUM_RUNS})`, async () => {
    await assertNoAdminLeak(target, pathPlus, ['/x', '/admin/x', '/ADMIN/x', '/x/..%2Fadmin'], 'path property (/ + /admin)');
  });
});
