/**
 * Turns the raw outputs of one bench/run.sh run into markdown tables (medians over rounds, ratios
 * to nginx and to the bare Bun server) and the issue-14 targets as MET / NOT MET; with
 * --write FILE, writes them there with the command, date and machine.
 *   bun bench/summarize.ts RAW_DIR [--write bench/RESULTS.md]
 * RAW_DIR holds targets.tsv (id, name, kind, workers, access log, group; in table order),
 * meta.env (KEY=value lines), one wrk output per target and round (<id>.r<round>.txt) with the
 * server's CPU ticks (<id>.r<round>.cpu: "ticks hz"), and optionally streams.tsv and idle.tsv
 * (id, name, JSON from bench/stream-download.ts and bench/idle-clients.ts).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Target {
  id: string;
  name: string;
  /** `nginx` and `ceiling` rows are their group's references; a `floor` row is what the runtime allows at all. */
  kind: string;
  workers: string;
  accessLog: string;
  group: string;
}

interface Sample {
  rps: number;
  requests: number;
  /** Response bytes per second, from wrk's Transfer/sec. */
  bytesPerSecond: number;
  /** The server's CPU time (all its processes) per request, in microseconds. */
  cpuUs: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** wrk prints durations like 705.00us, 1.63ms, 1.02s, 1.50m. */
export function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return n * { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'us' | 'ms' | 's' | 'm' | 'h'];
}

/** wrk prints sizes like 4.07MB, 812.50KB, 1.02GB (binary multiples). */
export function toBytes(text: string): number {
  const m = /^([\d.]+)(B|KB|MB|GB|TB)$/.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }[m[2] as 'B' | 'KB' | 'MB' | 'GB' | 'TB'];
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
  const transfer = /Transfer\/sec:\s+(\S+)/.exec(text);
  return {
    rps: Number(rps[1]),
    requests: requests ? Number(requests[1]) : NaN,
    bytesPerSecond: transfer ? toBytes(transfer[1]!) : NaN,
    cpuUs: NaN,
    p50Ms: p50 ? toMs(p50[1]!) : NaN,
    p99Ms: p99 ? toMs(p99[1]!) : NaN,
    errors,
  };
}

function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

const fmtRps = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const fmtMs = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : 'n/a');
const fmtRatio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');
const fmtK = (n: number) => `${(n / 1000).toFixed(1)}k`;
const fmtMiB = (kib: number) => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)}` : 'n/a');
const fmtNum = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function main(): void {
  const args = process.argv.slice(2);
  const dir = args[0];
  if (!dir) throw new Error('usage: summarize.ts RAW_DIR [--write FILE]');
  const writeAt = args.indexOf('--write');
  const outFile = writeAt >= 0 ? args[writeAt + 1] : undefined;

  const targets: Target[] = readFileSync(join(dir, 'targets.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [id, name, kind, workers, accessLog, group] = l.split('\t') as [string, string, string, string, string, string?];
      return { id, name, kind, workers, accessLog, group: group || 'main' };
    });
  const meta: Record<string, string> = {};
  if (existsSync(join(dir, 'meta.env'))) {
    for (const line of readFileSync(join(dir, 'meta.env'), 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) meta[line.slice(0, eq)] = line.slice(eq + 1);
    }
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
      bytesPerSecond: median(samples.map((s) => s.bytesPerSecond)),
      p50: median(samples.map((s) => s.p50Ms)),
      p99: median(samples.map((s) => s.p99Ms)),
      cpu: median(samples.map((s) => s.cpuUs)),
      errors: samples.reduce((a, s) => a + s.errors, 0),
    };
  });
  type Row = (typeof rows)[number];
  const byId = (id: string) => rows.find((r) => r.id === id);

  // A row's references: its group's nginx and bare Bun rows (the bare one with the same number
  // of processes when there is one), else the main group's.
  const inGroup = (group: string) => rows.filter((r) => r.group === group);
  function nginxRef(row: Row): Row | undefined {
    return inGroup(row.group).find((r) => r.kind === 'nginx') ?? inGroup('main').find((r) => r.kind === 'nginx');
  }
  /** The group's row of `kind`, with as many processes as `row` when there is one; else the main group's. */
  function sameSizeRef(row: Row, kind: 'ceiling' | 'floor'): Row | undefined {
    const pick = (candidates: Row[]) => candidates.find((r) => r.workers === row.workers) ?? candidates.at(-1);
    return pick(inGroup(row.group).filter((r) => r.kind === kind)) ?? pick(inGroup('main').filter((r) => r.kind === kind));
  }
  const bareRef = (row: Row) => sameSizeRef(row, 'ceiling');
  /** The floor (bench/obligations-proxy.ts): the bare proxy plus only Gatehouse's per-request work. */
  const floorRef = (row: Row) => sameSizeRef(row, 'floor');
  const ratio = (row: Row | undefined, ref: Row | undefined) => (row && ref && ref.rps > 0 ? row.rps / ref.rps : NaN);

  const GROUPS: Record<string, { title: string; refs: string; mbps?: boolean }> = {
    main: {
      title: `GET of a ${meta.BODY_BYTES ?? '~50'}-byte JSON body`,
      refs: 'vs nginx: nginx `proxy_pass`; vs bare Bun: the bare Bun proxy (Bun.serve + fetch, `bench/ceiling-proxy.ts`) with as many processes as the row. The floor rows are that proxy plus only the work Gatehouse must do to every request (`bench/obligations-proxy.ts`)',
    },
    preflight: {
      title: 'CORS preflight (OPTIONS with Origin, Access-Control-Request-Method: PUT, Access-Control-Request-Headers: authorization)',
      refs: 'vs nginx: nginx `return 204`; vs bare Bun: a bare Bun.serve answering 204 (`bench/bare-204.ts`); all send the same CORS headers',
    },
    large: {
      title: '1 MiB response (a static file of the upstream nginx, sendfile)',
      refs: 'vs nginx: nginx `proxy_pass` of the same file; vs bare Bun: the bare Bun proxy of the same file',
      mbps: true,
    },
    scale: {
      title: 'Routing scale: the same requests with 10 and with many routes',
      refs: 'vs nginx and vs bare Bun: the rows of the first table (48-byte GET); each request goes to the last exact, wildcard or prefix route of the config, in turn',
    },
  };

  const tables: string[] = [];
  for (const [group, info] of Object.entries(GROUPS)) {
    const groupRows = inGroup(group);
    if (groupRows.length === 0) continue;
    tables.push(`### ${info.title}`, '', `${info.refs}.`, '');
    tables.push(
      `| Target | Workers | Access log | Req/s (median) | vs nginx | vs bare Bun |${info.mbps ? ' MB/s |' : ''} p50 ms | p99 ms | CPU µs/req | Req/s per round | Errors |`,
      `|---|---:|---|---:|---:|---:|${info.mbps ? '---:|' : ''}---:|---:|---:|---|---:|`,
    );
    for (const r of groupRows) {
      const cells = [
        r.name,
        r.workers,
        r.accessLog,
        fmtRps(r.rps),
        fmtRatio(ratio(r, nginxRef(r))),
        fmtRatio(ratio(r, bareRef(r))),
        ...(info.mbps ? [fmtNum(r.bytesPerSecond / 1e6, 0)] : []),
        fmtMs(r.p50),
        fmtMs(r.p99),
        fmtNum(r.cpu),
        `${r.samples.map((s) => fmtK(s.rps)).join(' / ')}${r.missing ? ` (${r.missing} failed)` : ''}`,
        String(r.errors),
      ];
      tables.push(`| ${cells.join(' | ')} |`);
    }
    tables.push('');
  }

  // --- large downloads and idle connections (not wrk) ---
  const readJsonRows = (file: string) =>
    existsSync(join(dir, file))
      ? readFileSync(join(dir, file), 'utf8')
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => {
            const [id, name, json] = l.split('\t') as [string, string, string];
            let data: Record<string, unknown> = {};
            try {
              data = JSON.parse(json) as Record<string, unknown>;
            } catch {
              data = { error: `unreadable: ${json.slice(0, 80)}` };
            }
            return { id, name, data };
          })
      : [];
  const num = (v: unknown) => (typeof v === 'number' ? v : NaN);

  const streams = readJsonRows('streams.tsv');
  const streamMiB = meta.STREAM_MIB ?? '1024';
  if (streams.length > 0) {
    tables.push(
      `### ${streamMiB} MiB download, streamed (curl to /dev/null, at most ${meta.STREAM_LIMIT ?? '?'} s)`,
      '',
      'RSS: summed VmRSS of the proxy\'s processes, sampled every 50 ms during the transfer; VmHWM: their peak since start. Gatehouse is a fresh process (workers 1, access log on).',
      '',
      '| Through | MB/s | vs nginx | Seconds | Complete | RSS before MiB | Peak RSS during MiB | Growth MiB | VmHWM MiB |',
      '|---|---:|---:|---:|---|---:|---:|---:|---:|',
    );
    const nginxStream = streams.find((s) => s.id === 'stream-nginx');
    for (const s of streams) {
      const d = s.data;
      const vs = nginxStream ? num(d.mbPerSecond) / num(nginxStream.data.mbPerSecond) : NaN;
      const complete = d.error ? `no: ${String(d.error)}` : d.complete ? 'yes' : d.timedOut ? 'no: time limit' : `no: status ${String(d.status)}, ${String(d.bytes)} bytes`;
      tables.push(
        `| ${s.name} | ${fmtNum(num(d.mbPerSecond), 0)} | ${fmtRatio(vs)} | ${fmtNum(num(d.seconds), 2)} | ${complete} | ${fmtMiB(num(d.rssBeforeKiB))} | ${fmtMiB(num(d.peakRssKiB))} | ${fmtMiB(num(d.peakRssKiB) - num(d.rssBeforeKiB))} | ${fmtMiB(num(d.hwmKiB))} |`,
      );
    }
    tables.push('');
  }

  const idle = readJsonRows('idle.tsv')[0];
  if (idle) {
    const d = idle.data;
    // What the open connections added, per connection.
    const perConnection = (num(d.rssHeldKiB) - num(d.rssBeforeKiB)) / num(d.stillOpen);
    tables.push(
      '### Idle keep-alive connections',
      '',
      `Each connection sent one GET (keep-alive), read the answer and stayed open; RSS read after they sat idle ${meta.IDLE_HOLD ?? '?'} s. Gatehouse: a fresh process (workers 1). File descriptor limit: ${meta.FD_LIMIT ?? '?'}.`,
      '',
      '| Target | Asked | Opened | Failed | Still open when measured | Seconds to open | RSS before MiB | RSS held MiB | KiB per connection | VmHWM MiB |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      d.error
        ? `| ${idle.name} | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a (${String(d.error)}) |`
        : `| ${idle.name} | ${String(d.asked)} | ${String(d.opened)} | ${String(d.failed)} | ${String(d.stillOpen)} | ${fmtNum(num(d.openSeconds))} | ${fmtMiB(num(d.rssBeforeKiB))} | ${fmtMiB(num(d.rssHeldKiB))} | ${fmtNum(perConnection)} | ${fmtMiB(num(d.hwmKiB))} |`,
      '',
    );
    if (typeof d.firstError === 'string') tables.push(`First connection error: ${d.firstError}`, '');
  }

  // --- issue 14's targets ---
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'NOT MEASURED' : ok ? 'MET' : 'NOT MET');
  const atLeast = (x: number, target: number) => (Number.isFinite(x) ? x >= target : undefined);
  const both = (a: boolean | undefined, b: boolean | undefined) => (a === undefined || b === undefined ? undefined : a && b);
  const targetLines: string[] = [];
  const target = (text: string, ok: boolean | undefined, detail: string) => targetLines.push(`- ${text}: **${verdict(ok)}** (${detail})`);
  const cpuOf = (r: Row | undefined) => (r ? fmtNum(r.cpu) : 'n/a');
  // What the runtime allows at all: the floor against the same reference, and the row against the floor.
  const againstFloor = (row: Row | undefined, reference: Row | undefined, referenceName: string) => {
    const floor = row && floorRef(row);
    if (!row || !floor) return '';
    const logNote = row.accessLog === 'off' ? ' (the floor writes its access line, this row does not)' : '';
    return `. Floor (bench/obligations-proxy.ts, workers ${floor.workers}): ${fmtRatio(ratio(floor, reference))} of ${referenceName}, CPU µs/req ${cpuOf(floor)}; Gatehouse is ${fmtRatio(ratio(row, floor))} of the floor${logNote}`;
  };

  const publicLog = byId('gh-wn-log') ?? byId('gh-w1-log');
  {
    const x = ratio(publicLog, publicLog && bareRef(publicLog));
    const w1 = byId('gh-w1-log');
    const w1x = w1 && w1 !== publicLog ? `; workers 1: ${fmtRatio(ratio(w1, bareRef(w1)))}` : '';
    target('Public route, default access log, >= 0.95x the bare Bun proxy', atLeast(x, 0.95), `${fmtRatio(x)}${publicLog ? ` with workers ${publicLog.workers}` : ''}${w1x}; CPU µs/req ${cpuOf(publicLog)} vs ${cpuOf(publicLog && bareRef(publicLog))}${againstFloor(publicLog, publicLog && bareRef(publicLog), 'bare Bun')}`);
  }
  const jwt = byId('gh-jwt');
  const nginxAuth = byId('nginx-auth');
  {
    const x = ratio(jwt, jwt && bareRef(jwt));
    const y = ratio(jwt, nginxAuth);
    target(
      'header-jwt (cached HS256) + preflight, >= 0.9x the bare Bun proxy and >= 1.2x nginx auth_request to an external verifier',
      both(atLeast(x, 0.9), atLeast(y, 1.2)),
      `${fmtRatio(x)} of bare Bun, ${fmtRatio(y)} of nginx auth_request; CPU µs/req ${cpuOf(jwt)} vs ${cpuOf(nginxAuth)} (nginx + verifier)${againstFloor(jwt, jwt && bareRef(jwt), 'bare Bun')}`,
    );
  }
  const cookie = byId('gh-auth-mem');
  {
    const x = ratio(cookie, cookie && bareRef(cookie));
    target('trust-cookie (cached ES256 session) + allow.groups, >= 0.9x the bare Bun proxy', atLeast(x, 0.9), `${fmtRatio(x)}${cookie ? ` with workers ${cookie.workers}, access log off` : ''}; CPU µs/req ${cpuOf(cookie)} vs ${cpuOf(cookie && bareRef(cookie))}${againstFloor(cookie, cookie && bareRef(cookie), 'bare Bun')}`);
  }
  const preflight = byId('gh-preflight');
  {
    const x = ratio(preflight, byId('bare-204'));
    target('Preflight answered by Gatehouse, >= 0.85x a bare Bun.serve 204', atLeast(x, 0.85), `${fmtRatio(x)}; ${fmtRatio(ratio(preflight, byId('nginx-204')))} of nginx return 204; CPU µs/req ${cpuOf(preflight)} vs ${cpuOf(byId('bare-204'))}${againstFloor(preflight, byId('bare-204'), 'the bare 204')}`);
  }
  {
    const x = ratio(byId('gh-1m'), byId('nginx-1m'));
    target('1 MiB responses, >= 1.0x nginx', atLeast(x, 1.0), `${fmtRatio(x)} req/s`);
  }
  {
    const gh = streams.find((s) => s.id === 'stream-gh')?.data;
    const ng = streams.find((s) => s.id === 'stream-nginx')?.data;
    const x = gh && ng ? num(gh.mbPerSecond) / num(ng.mbPerSecond) : NaN;
    const peak = gh ? num(gh.peakRssKiB) : NaN;
    const complete = gh ? gh.complete === true : undefined;
    target(
      `${streamMiB} MiB download, >= 1.0x nginx with Gatehouse's RSS < 64 MiB while streaming`,
      gh && ng ? both(both(atLeast(x, 1.0), Number.isFinite(peak) ? peak < 64 * 1024 : undefined), complete) : undefined,
      `${fmtRatio(x)} MB/s; peak RSS ${fmtMiB(peak)} MiB, ${fmtMiB(peak - num(gh?.rssBeforeKiB))} MiB above its RSS before the download${complete === false ? '; the download did not complete' : ''}`,
    );
  }
  {
    const small = byId('scale-s');
    const large = byId('scale-l');
    const x = ratio(large, small);
    target(
      `${Number(meta.SCALE_ROUTES ?? 10000).toLocaleString('en-US')} routes within 5% of 10 routes`,
      atLeast(x, 0.95),
      `${fmtRatio(x)} req/s; CPU µs/req ${cpuOf(large)} vs ${cpuOf(small)}`,
    );
  }
  if (idle) {
    const d = idle.data;
    const held = num(d.stillOpen);
    const rss = num(d.rssHeldKiB);
    const allHeld = Number.isFinite(held) && held === num(d.asked);
    target(
      `${num(d.asked).toLocaleString('en-US')} idle keep-alive connections with RSS < 256 MiB`,
      d.error ? undefined : allHeld && rss < 256 * 1024,
      d.error ? String(d.error) : `${held} held, RSS ${fmtMiB(rss)} MiB${allHeld ? '' : `; only ${held} of ${String(d.asked)} were open when measured`}`,
    );
  } else {
    target('10,000 idle keep-alive connections with RSS < 256 MiB', undefined, 'not run');
  }
  const noP99 = rows.filter((r) => !Number.isFinite(r.p99)).map((r) => r.name);
  targetLines.push(`- p99 latency for every row: ${noP99.length === 0 ? 'reported' : `missing for ${noP99.join(', ')}`}.`);

  // Earlier issues' targets, kept for comparison.
  const earlier: string[] = [];
  const nginx = byId('nginx');
  const plain = rows.find((r) => r.kind === 'gatehouse' && r.group === 'main' && r.workers === nginx?.workers && r.accessLog === 'off');
  if (plain && nginx) {
    const x = ratio(plain, nginx);
    earlier.push(`- Gatehouse plain proxy (${plain.workers} workers, access log off) >= 0.8x nginx req/s: **${verdict(atLeast(x, 0.8))}** (${fmtRatio(x)}).`);
  }
  const authRedis = byId('gh-auth-redis');
  if (cookie && authRedis && cookie.rps > 0) {
    const x = authRedis.rps / cookie.rps;
    earlier.push(`- Issue 13: signed-in route, state: redis vs state: memory >= 0.90x: **${verdict(atLeast(x, 0.9))}** (${fmtRatio(x)}; CPU µs/req ${cpuOf(cookie)} vs ${cpuOf(authRedis)}).`);
  }

  const load = `wrk -t${meta.THREADS ?? '?'} -c${meta.CONNECTIONS ?? '?'} -d${meta.DURATION ?? '?'} --latency, ${meta.WARMUP ?? '?'} warm-up before each, ${meta.ROUNDS ?? '?'} interleaved rounds, medians`;
  const out = [
    `Load: ${load}; on 127.0.0.1.`,
    'vs nginx / vs bare Bun: req/s ratio to the reference rows named above each table. CPU µs/req: user+system CPU time of all the server\'s processes during the measurement (for nginx auth_request, nginx and the verifier), per request served (lower is better; less disturbed by other load than req/s). Errors: socket errors and non-2xx answers, over all rounds.',
    '',
    ...tables,
    '## Issue 14 targets',
    '',
    ...targetLines,
    ...(earlier.length ? ['', 'Earlier targets:', '', ...earlier] : []),
  ].join('\n');
  console.log(out);

  if (outFile) {
    const doc = [
      '# Gatehouse benchmark: last result',
      '',
      'Written by `bench/run.sh` (do not edit by hand; run it again). Where the time goes: `bash bench/profile.sh MODE SECONDS`.',
      '',
      `- Command: \`${meta.COMMAND ?? 'npm run bench'}\``,
      `- Date: ${meta.DATE ?? new Date().toISOString()}`,
      `- Machine: ${meta.MACHINE ?? 'unknown'}`,
      `- Versions: ${meta.VERSIONS ?? 'unknown'}`,
      `- Upstream: nginx with ${meta.UPSTREAM_WORKERS ?? '?'} worker(s), \`return 200\` of a fixed ${meta.BODY_BYTES ?? '~50'}-byte JSON body and static files; proxies with ${meta.WORKERS ?? '?'} workers where the table says so. Configs: \`bench/*.template\`; bare Bun servers: \`bench/ceiling-proxy.ts\`, \`bench/bare-204.ts\`; the floor: \`bench/obligations-proxy.ts\`; verifier: \`bench/auth-verifier.ts\`.`,
      `- Everything (wrk, upstream, proxy) shares the same ${meta.CORES ?? '?'} cores, so absolute numbers are low and noisy; compare ratios. Load average before the run: ${meta.LOADAVG_BEFORE ?? 'unknown'}.`,
      '',
      out,
      '',
      ...profileNotes(),
    ].join('\n');
    writeFileSync(outFile, doc);
  }
}

/**
 * bench/PROFILE.md (written by hand from `bench/profile.sh` and `bench/handle-micro.ts` runs):
 * where the microseconds of a request go, before and after the last optimisation. It is kept
 * beside the table so each result carries the analysis behind it.
 */
function profileNotes(): string[] {
  const file = join(import.meta.dir, 'PROFILE.md');
  return existsSync(file) ? ['', readFileSync(file, 'utf8').trim(), ''] : [];
}

if (import.meta.main) main();
