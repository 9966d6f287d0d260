/**
 * Turns the raw wrk outputs of one bench/run.sh run into a markdown table (medians over rounds,
 * ratios to nginx) and, with --write FILE, writes it there with the command, date and machine.
 *   bun bench/summarize.ts RAW_DIR [--write bench/RESULTS.md]
 * RAW_DIR holds targets.tsv (id, name, kind, workers, access log; in table order), meta.env
 * (KEY=value lines) and one wrk output per target and round: <id>.r<round>.txt.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Target {
  id: string;
  name: string;
  kind: string;
  workers: string;
  accessLog: string;
}

interface Sample {
  rps: number;
  requests: number;
  /** The server's CPU time (all its processes) per request, in microseconds. */
  cpuUs: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

const args = process.argv.slice(2);
const dir = args[0];
if (!dir) throw new Error('usage: summarize.ts RAW_DIR [--write FILE]');
const writeAt = args.indexOf('--write');
const outFile = writeAt >= 0 ? args[writeAt + 1] : undefined;

const targets: Target[] = readFileSync(join(dir, 'targets.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => {
    const [id, name, kind, workers, accessLog] = l.split('\t') as [string, string, string, string, string];
    return { id, name, kind, workers, accessLog };
  });
const meta: Record<string, string> = {};
if (existsSync(join(dir, 'meta.env'))) {
  for (const line of readFileSync(join(dir, 'meta.env'), 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) meta[line.slice(0, eq)] = line.slice(eq + 1);
  }
}

/** wrk prints durations like 705.00us, 1.63ms, 1.02s, 1.50m. */
export function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return n * { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'us' | 'ms' | 's' | 'm' | 'h'];
}

export function parseWrk(text: string): Sample | undefined {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!rps) return undefined;
  const p50 = /^\s*50(?:\.0+)?%\s+(\S+)/m.exec(text);
  const p99 = /^\s*99(?:\.0+)?%\s+(\S+)/m.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const errors = (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  const requests = /(\d+) requests in/.exec(text);
  return { rps: Number(rps[1]), requests: requests ? Number(requests[1]) : NaN, cpuUs: NaN, p50Ms: p50 ? toMs(p50[1]!) : NaN, p99Ms: p99 ? toMs(p99[1]!) : NaN, errors };
}

function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

const files = readdirSync(dir);
const rows = targets.map((t) => {
  const samples: Sample[] = [];
  let missing = 0;
  for (const f of files.filter((f) => f.startsWith(`${t.id}.r`) && f.endsWith('.txt')).sort()) {
    const s = parseWrk(readFileSync(join(dir, f), 'utf8'));
    const cpuFile = join(dir, f.replace(/\.txt$/, '.cpu'));
    if (s && existsSync(cpuFile)) {
      const [ticks, hz] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number) as [number, number];
      if (ticks > 0 && hz > 0 && s.requests > 0) s.cpuUs = (ticks * 1e6) / hz / s.requests;
    }
    if (s) samples.push(s);
    else missing++;
  }
  return {
    ...t,
    samples,
    missing,
    rps: median(samples.map((s) => s.rps)),
    p50: median(samples.map((s) => s.p50Ms)),
    p99: median(samples.map((s) => s.p99Ms)),
    cpu: median(samples.map((s) => s.cpuUs)),
    errors: samples.reduce((a, s) => a + s.errors, 0),
  };
});

const nginx = rows.find((r) => r.kind === 'nginx');
const ratio = (rps: number) => (nginx && Number.isFinite(rps) && nginx.rps > 0 ? rps / nginx.rps : NaN);
const fmtRps = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const fmtMs = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : 'n/a');
const fmtRatio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');
const fmtK = (n: number) => `${(n / 1000).toFixed(1)}k`;

const table = [
  '| Target | Workers | Access log | Req/s (median) | vs nginx | p50 ms | p99 ms | CPU µs/req | Req/s per round | Errors |',
  '|---|---:|---|---:|---:|---:|---:|---:|---|---:|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.workers} | ${r.accessLog} | ${fmtRps(r.rps)} | ${r.kind === 'nginx' ? '1.00x' : fmtRatio(ratio(r.rps))} | ${fmtMs(r.p50)} | ${fmtMs(r.p99)} | ${Number.isFinite(r.cpu) ? r.cpu.toFixed(1) : 'n/a'} | ${r.samples.map((s) => fmtK(s.rps)).join(' / ')}${r.missing ? ` (${r.missing} failed)` : ''} | ${r.errors} |`,
  ),
].join('\n');

// The issue's target: Gatehouse as a plain proxy (same worker count as nginx, access log off, like
// nginx) reaches 0.8x nginx's requests/s.
const TARGET = 0.8;
const plain = rows.find((r) => r.kind === 'gatehouse' && r.workers === nginx?.workers && r.accessLog === 'off');
const plainOn = rows.find((r) => r.kind === 'gatehouse' && r.workers === nginx?.workers && r.accessLog !== 'off');
const verdictLines: string[] = [];
if (plain && nginx) {
  const x = ratio(plain.rps);
  const ok = x >= TARGET;
  verdictLines.push(
    `Target: Gatehouse plain proxy (${plain.workers} workers, access log off) >= ${TARGET}x nginx req/s: **${Number.isFinite(x) ? (ok ? 'MET' : 'NOT MET') : 'UNKNOWN'}** (${fmtRatio(x)}).`,
  );
  if (plainOn) verdictLines.push(`With the default access log on: ${fmtRatio(ratio(plainOn.rps))}.`);
}

// Issue 13's cost target: sessions in Redis cost within 10% of sessions in memory.
const authMemory = rows.find((r) => r.id === 'gh-auth-mem');
const authRedis = rows.find((r) => r.id === 'gh-auth-redis');
if (authMemory && authRedis && authMemory.rps > 0) {
  const x = authRedis.rps / authMemory.rps;
  verdictLines.push(
    `Signed-in route, state: redis vs state: memory (target >= 0.90x): **${Number.isFinite(x) ? (x >= 0.9 ? 'MET' : 'NOT MET') : 'UNKNOWN'}** (${fmtRatio(x)}; CPU µs/req ${authMemory.cpu.toFixed(1)} vs ${authRedis.cpu.toFixed(1)}).`,
  );
}

const load = `wrk -t${meta.THREADS ?? '?'} -c${meta.CONNECTIONS ?? '?'} -d${meta.DURATION ?? '?'} --latency, ${meta.WARMUP ?? '?'} warm-up before each, ${meta.ROUNDS ?? '?'} interleaved rounds, medians`;
const out = [
  `Load: ${load}. GET of a ${meta.BODY_BYTES ?? '~50'}-byte JSON body on 127.0.0.1.`,
  'CPU µs/req: user+system CPU time of all the server\'s processes during the measurement, per request served (lower is better; less disturbed by other load than req/s).',
  '',
  table,
  '',
  ...verdictLines,
].join('\n');
console.log(out);

if (outFile) {
  const doc = [
    '# Gatehouse benchmark: last result',
    '',
    'Written by `bench/run.sh` (do not edit by hand; run it again).',
    '',
    `- Command: \`${meta.COMMAND ?? 'npm run bench'}\``,
    `- Date: ${meta.DATE ?? new Date().toISOString()}`,
    `- Machine: ${meta.MACHINE ?? 'unknown'}`,
    `- Versions: ${meta.VERSIONS ?? 'unknown'}`,
    `- Upstream: nginx with ${meta.UPSTREAM_WORKERS ?? '?'} worker(s), \`return 200\` of a fixed ${meta.BODY_BYTES ?? '~50'}-byte JSON body; nginx proxy: \`bench/nginx.conf.template\`; Gatehouse: \`bench/gatehouse.yaml.template\` (access log, when on, to a file); ceiling: \`bench/ceiling-proxy.ts\`.`,
    `- Everything (wrk, upstream, proxy) shares the same ${meta.CORES ?? '?'} cores, so absolute numbers are low and noisy; compare ratios. Load average before the run: ${meta.LOADAVG_BEFORE ?? 'unknown'}.`,
    '',
    out,
    '',
  ].join('\n');
  writeFileSync(outFile, doc);
}
