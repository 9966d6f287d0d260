/**
 * Writes a Gatehouse config with N public routes to one upstream, for the scale rows: a route for
 * 127.0.0.1 (the readiness check) and, in turn, exact hosts (h<i>.bench.test), wildcards
 * (*.w<i>.bench.test) and path prefixes (/p<i> on p.bench.test). Prints the three requests the
 * bench sends, one per kind, each the last route of its kind (the worst case for a router that
 * scans in order), as "host path" lines; bench/hosts.lua sends them in turn.
 *   bun bench/gen-routes.ts N PORT UPSTREAM_PORT WORKERS ACCESS_LOG OUT.yaml
 */
import { writeFileSync } from 'node:fs';

const [countArg, port, upstreamPort, workers, accessLog, out] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isInteger(count) || count < 4 || !port || !upstreamPort || !workers || !accessLog || !out) {
  throw new Error('usage: gen-routes.ts N(>=4) PORT UPSTREAM_PORT WORKERS ACCESS_LOG OUT.yaml');
}
const to = `http://127.0.0.1:${upstreamPort}`;
const lines = [
  `# ${count} generated routes (bench/gen-routes.ts): exact hosts, wildcards and prefixes.`,
  `listen: "127.0.0.1:${port}"`,
  `log: { access_log: ${accessLog} }`,
  'watch: false',
  `workers: ${workers}`,
  'routes:',
  `  - { from: "http://127.0.0.1", to: "${to}", policy: { public: true } }`,
];
const last = { exact: 0, wildcard: 0, prefix: 0 };
for (let i = 1; i < count; i++) {
  if (i % 3 === 1) {
    lines.push(`  - { from: "http://h${i}.bench.test", to: "${to}", policy: { public: true } }`);
    last.exact = i;
  } else if (i % 3 === 2) {
    lines.push(`  - { from: "http://*.w${i}.bench.test", to: "${to}", policy: { public: true } }`);
    last.wildcard = i;
  } else {
    lines.push(`  - { from: "http://p.bench.test", prefix: "/p${i}", to: "${to}", policy: { public: true } }`);
    last.prefix = i;
  }
}
writeFileSync(out, `${lines.join('\n')}\n`);
console.log(`h${last.exact}.bench.test /`);
console.log(`app.w${last.wildcard}.bench.test /`);
console.log(`p.bench.test /p${last.prefix}/x`);
