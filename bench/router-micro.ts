/**
 * In-process micro-benchmark of `Router.find` with 10 and with 10,000 routes, the mix of
 * bench/gen-routes.ts (a route for 127.0.0.1, then in turn exact hosts h<i>.bench.test, wildcards
 * *.w<i>.bench.test and prefixes /p<i> on p.bench.test), looking up the last route of each kind
 * (the worst case for a router that scans in order), strictly and case-folded. Prints ns per
 * lookup, the median of a few rounds (each runs batches of 1,000 lookups for ROUND_MS, after one
 * warm-up round). Not a test: it asserts nothing about time.
 *   bun bench/router-micro.ts [ROUNDS=5] [ROUND_MS=200]
 */
import { compileHostPattern } from '../src/router/host-pattern.ts';
import { Router, type Routable } from '../src/router/router.ts';

const rounds = Number(process.argv[2] ?? 5);
const roundNs = Number(process.argv[3] ?? 200) * 1e6;
const BATCH = 1000;

interface Request {
  host: string;
  path: string;
}

/** The gen-routes.ts mix of `count` routes and the three requests the bench sends. */
function genRoutes(count: number): { routes: Routable[]; requests: Request[] } {
  const routes: Routable[] = [{ pattern: compileHostPattern('http://127.0.0.1'), prefix: '/' }];
  const last = { exact: 0, wildcard: 0, prefix: 0 };
  for (let i = 1; i < count; i++) {
    if (i % 3 === 1) {
      routes.push({ pattern: compileHostPattern(`http://h${i}.bench.test`), prefix: '/' });
      last.exact = i;
    } else if (i % 3 === 2) {
      routes.push({ pattern: compileHostPattern(`http://*.w${i}.bench.test`), prefix: '/' });
      last.wildcard = i;
    } else {
      routes.push({ pattern: compileHostPattern('http://p.bench.test'), prefix: `/p${i}` });
      last.prefix = i;
    }
  }
  const requests = [
    { host: `h${last.exact}.bench.test`, path: '/' },
    { host: `app.w${last.wildcard}.bench.test`, path: '/' },
    { host: 'p.bench.test', path: `/p${last.prefix}/x` },
  ];
  return { routes, requests };
}

function nsPerLookup(router: Router<Routable>, requests: Request[], foldCase: boolean): number {
  const samples: number[] = [];
  for (let round = 0; round <= rounds; round++) {
    const start = Bun.nanoseconds();
    let lookups = 0;
    let elapsed = 0;
    do {
      for (let i = 0; i < BATCH; i++) {
        const request = requests[i % requests.length]!;
        if (!router.find(request.host, undefined, request.path, foldCase)) throw new Error(`no route for ${request.host}${request.path}`);
      }
      lookups += BATCH;
      elapsed = Bun.nanoseconds() - start;
    } while (elapsed < roundNs);
    if (round > 0) samples.push(elapsed / lookups);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

const rows: string[] = [];
const results = new Map<string, number>();
for (const count of [10, 10_000]) {
  const { routes, requests } = genRoutes(count);
  const router = new Router(routes);
  for (const foldCase of [false, true]) {
    const ns = nsPerLookup(router, requests, foldCase);
    results.set(`${count}/${foldCase}`, ns);
    rows.push(`| ${count} | ${foldCase ? 'folded' : 'strict'} | ${ns.toFixed(1)} |`);
  }
}
console.log(`find(), ${rounds} rounds of ${roundNs / 1e6} ms, median ns per lookup (exact, wildcard, prefix in turn)\n`);
console.log('| routes | reading | ns/lookup |\n|---|---|---|');
console.log(rows.join('\n'));
for (const foldCase of [false, true]) {
  const ratio = results.get(`10000/${foldCase}`)! / results.get(`10/${foldCase}`)!;
  console.log(`\n10,000 / 10 routes (${foldCase ? 'folded' : 'strict'}): ${ratio.toFixed(2)}x the time per lookup`);
}
