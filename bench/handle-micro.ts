// Gatehouse's own JS cost per request, in process: the gateway handles requests with fetch stubbed
// (the stub's cost is measured alone and subtracted). Profile it: bun --cpu-prof bench/handle-micro.ts
//   N=200000 bun bench/handle-micro.ts
// MODE: public (default), preflight, jwt. FLOOR=1 times the floor (bench/obligations-handler.ts,
// Bun's primitives doing only Gatehouse's obligations) on the same requests instead (public or preflight).
// HEAP=1 prints the JS heap allocated per request instead (stub included), read from JSC's GC log.
import { startGateway } from '../src/testing/index.ts';
import { writeAccessLine } from '../src/server/access-log.ts';
import { createObligationsHandler } from './obligations-handler.ts';
const N = Number(process.env.N ?? 200_000);
const MODE = process.env.MODE ?? 'public';
// MODE=jwt: the bench's header-jwt + preflight row (bench/gatehouse-jwt.yaml.template, secret from bench/lib.sh).
const JWT = { secret: 'gatehouse-bench-hs256-secret-0123456789abcdef', issuer: 'https://idp.bench.test', audience: 'bench-api', origin: 'http://app.bench.test' };
const token = MODE === 'jwt' ? (await Bun.$`${process.execPath} ${import.meta.dir}/mint-jwt.ts ${JWT.secret} ${JWT.issuer} ${JWT.audience}`.text()).trim() : '';
const yaml =
  process.env.YAML ??
  (MODE === 'jwt'
    ? `routes:\n  - from: http://127.0.0.1:*\n    to: http://127.0.0.1:1\n    policy: { allow: { groups: [bench] } }\n    plugins:\n      - use: preflight\n        allow_origins: ["${JWT.origin}"]\n        allow_methods: [GET, PUT]\n        allow_headers: [Authorization]\n        max_age: 600\n      - use: header-jwt\n        own_tokens: false\n        issuers:\n          - issuer: "${JWT.issuer}"\n            audience: "${JWT.audience}"\n            secret: "${JWT.secret}"\n            algorithms: [HS256]\n`
    : MODE === 'preflight'
    ? `routes:\n  - from: http://127.0.0.1:*\n    to: http://127.0.0.1:1\n    policy: { public: true }\n    plugins:\n      - use: preflight\n        allow_origins: [https://app.example.test]\n        allow_methods: [GET, PUT]\n        allow_headers: [authorization]\n        allow_credentials: true\n`
    : `routes:\n  - from: http://127.0.0.1:*\n    to: http://127.0.0.1:1\n    policy: { public: true }\n`);
const gw = await startGateway(yaml);
const body = '{"ok":true}';
const realFetch = globalThis.fetch;
const stub = async () => new Response(body, { headers: { 'content-type': 'application/json', 'content-length': '11', date: 'x', connection: 'keep-alive' } });
const nullSink = { write(_: string) {}, flush() {} };
// MODE=preflight sends the bench's CORS preflight to a route whose preflight plugin answers it.
const PREFLIGHT = MODE === 'preflight';
const mk = () =>
  MODE === 'jwt'
    ? new Request('http://127.0.0.1:18080/x?y=1', { headers: { host: '127.0.0.1:18080', 'user-agent': 'wrk', accept: '*/*', authorization: `Bearer ${token}`, origin: JWT.origin } })
    : PREFLIGHT
    ? new Request('http://127.0.0.1:18080/x', { method: 'OPTIONS', headers: { host: '127.0.0.1:18080', origin: 'https://app.example.test', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization' } })
    : new Request('http://127.0.0.1:18080/x?y=1', { headers: { host: '127.0.0.1:18080', 'user-agent': 'wrk', accept: '*/*', cookie: 'a=b' } });
const reqs = Array.from({ length: 1000 }, mk);
const FLOOR = process.env.FLOOR === '1';
const floor = createObligationsHandler({ upstream: 'http://127.0.0.1:1', allowedOrigin: 'https://app.example.test', write() {} });
const peer = { requestIP: () => ({ address: '127.0.0.1' }) };
async function one(i: number) {
  const request = reqs[i % 1000]!;
  if (FLOOR) return floor(request, peer);
  const record: any = {};
  const t0 = performance.now();
  const response = await gw.server.gateway.handle(request, '127.0.0.1', record);
  gw.admin.meter.record(record.route ?? 'none', response.status, (performance.now() - t0) / 1000);
  writeAccessLine(nullSink, request, record.url, response.status, t0, record);
  return response;
}
async function stubOnly() { return stub(); }
globalThis.fetch = stub as any;
if (process.env.HEAP === '1') {
  // The GC log says how many bytes each cycle allocated; a child logs them around one measured loop.
  const child = Bun.spawnSync([process.execPath, import.meta.path], { env: { ...process.env, HEAP: 'child', BUN_JSC_logGC: '1' }, stdout: 'ignore', stderr: 'pipe' });
  const log = child.stderr.toString();
  const measured = log.slice(log.indexOf('HEAP-START'), log.indexOf('HEAP-END'));
  const bytes = [...measured.matchAll(/bytes allocated this cycle: (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  console.log(`${FLOOR ? 'floor' : 'gatehouse'} ${MODE}: ${Math.round(bytes / N)} bytes of JS heap allocated per request (stub answer included; counted in 8 MiB cycles over ${N} requests)`);
  process.exit(child.exitCode ?? 1);
}
if (process.env.HEAP === 'child') {
  for (let i = 0; i < 20_000; i++) await one(i);
  Bun.gc(true);
  console.error('HEAP-START');
  for (let i = 0; i < N; i++) await one(i);
  console.error('HEAP-END');
  process.exit(0);
}
// CPU time (user + system) rather than wall time: other processes on the machine then matter less.
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const results: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  let c = cpuMicros();
  for (let i = 0; i < N; i++) await stubOnly();
  const base = (cpuMicros() - c) / N;
  c = cpuMicros();
  for (let i = 0; i < N; i++) {
    const r = await one(i);
    if (i === 0 && r.status !== (PREFLIGHT ? 204 : 200)) console.log('status', r.status, await r.text());
  }
  const full = (cpuMicros() - c) / N;
  results.push(full - base);
  console.log(`round ${round}: stub ${base.toFixed(2)} us, handle+metrics+log ${full.toFixed(2)} us, ${FLOOR ? 'floor' : 'gatehouse'} JS ${(full - base).toFixed(2)} us (CPU)`);
}
results.sort((a, b) => a - b);
console.log(`median ${FLOOR ? 'floor' : 'gatehouse'} JS per request: ${results[Math.floor(results.length / 2)]!.toFixed(2)} us CPU`);
globalThis.fetch = realFetch;
await gw.stop();
