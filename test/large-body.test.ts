/**
 * A 1 GiB upload and a 1 GiB download through Gatehouse running as its own process: the bodies
 * are generated and consumed as streams, and the gateway's resident memory (VmRSS) must grow by
 * less than 64 MiB, which holds only if the proxy streams instead of buffering.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'bun';
import { startRun, type Spawned } from './support/process.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const CHUNK = 256 * 1024;
const LIMIT = 64 * MiB;
const PER_TEST_MS = 120_000;

/** A readable stream of `total` bytes, made chunk by chunk as the reader pulls. */
function generated(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= total) return controller.close();
        const n = Math.min(CHUNK, total - sent);
        const chunk = new Uint8Array(n);
        chunk[0] = sent % 251; // not all zeroes, so nothing can cheat by compressing
        chunk[n - 1] = 7;
        sent += n;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Counts the bytes of a stream without keeping them, pausing `pauseMs` after each chunk. */
async function drain(stream: ReadableStream<Uint8Array>, pauseMs = 0): Promise<number> {
  const reader = stream.getReader();
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return total;
    total += value.byteLength;
    if (pauseMs) await Bun.sleep(pauseMs);
  }
}

function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** Samples the RSS of `pid` every 20 ms while `work` runs; returns the peak and the work's result. */
async function peakDuring<T>(pid: number, work: () => Promise<T>): Promise<{ peak: number; result: T }> {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // the process is gone; the work will fail on its own
    }
  }, 20);
  try {
    const result = await work();
    peak = Math.max(peak, rssBytes(pid));
    return { peak, result };
  } finally {
    clearInterval(timer);
  }
}

const fmt = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

let upstream: Server<undefined>;
let gatehouse: Spawned & { url: string };

beforeAll(async () => {
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    maxRequestBodySize: 2 * GiB,
    idleTimeout: 120,
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === '/upload') return Response.json({ received: await drain(request.body!) });
      if (url.pathname === '/slow-upload') return Response.json({ received: await drain(request.body!, 2) });
      if (url.pathname === '/download') {
        const size = Number(url.searchParams.get('bytes'));
        return new Response(generated(size), { headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) } });
      }
      return new Response('not found', { status: 404 });
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-large-body-test-'));
  writeFileSync(
    join(dir, 'gatehouse.yaml'),
    `listen: "127.0.0.1:0"
log: { access_log: false }
routes:
  - from: http://big.example.test
    to: http://127.0.0.1:${upstream.port}
    policy: { public: true }
    timeout: 300s
`,
  );
  gatehouse = await startRun(join(dir, 'gatehouse.yaml'), { cwd: dir });
  // Warm up both directions so the baseline includes the code paths, not the first JIT.
  const up = await fetch(`${gatehouse.url}/upload`, { method: 'POST', headers: { host: 'big.example.test' }, body: generated(8 * MiB), duplex: 'half' } as RequestInit);
  expect(await up.json()).toEqual({ received: 8 * MiB });
  const down = await fetch(`${gatehouse.url}/download?bytes=${8 * MiB}`, { headers: { host: 'big.example.test' } });
  expect(await drain(down.body!)).toBe(8 * MiB);
}, 60_000);

afterAll(async () => {
  gatehouse?.kill('SIGTERM');
  const timer = setTimeout(() => gatehouse?.kill('SIGKILL'), 10_000);
  await gatehouse?.exited;
  clearTimeout(timer);
  upstream?.stop(true);
});

describe('large bodies through a separate Gatehouse process', () => {
  test(
    '1 GiB upload: streamed to the upstream, gateway RSS grows < 64 MiB',
    async () => {
      const pid = gatehouse.proc.pid;
      const before = rssBytes(pid);
      const started = performance.now();
      const { peak, result } = await peakDuring(pid, async () => {
        const response = await fetch(`${gatehouse.url}/upload`, {
          method: 'POST',
          headers: { host: 'big.example.test', 'content-type': 'application/octet-stream' },
          body: generated(GiB),
          duplex: 'half',
        } as RequestInit);
        return { status: response.status, body: await response.text() };
      });
      const seconds = (performance.now() - started) / 1000;
      console.log(`upload 1 GiB: ${seconds.toFixed(1)} s; gateway RSS before ${fmt(before)}, peak ${fmt(peak)}, growth ${fmt(peak - before)} (limit ${fmt(LIMIT)})`);
      expect(result.status).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ received: GiB });
      expect(peak - before).toBeLessThan(LIMIT);
    },
    PER_TEST_MS,
  );

  test(
    '1 GiB download: streamed to the client, gateway RSS grows < 64 MiB',
    async () => {
      const pid = gatehouse.proc.pid;
      const before = rssBytes(pid);
      const started = performance.now();
      const { peak, result } = await peakDuring(pid, async () => {
        const response = await fetch(`${gatehouse.url}/download?bytes=${GiB}`, { headers: { host: 'big.example.test' } });
        return { status: response.status, length: response.headers.get('content-length'), received: await drain(response.body!) };
      });
      const seconds = (performance.now() - started) / 1000;
      console.log(`download 1 GiB: ${seconds.toFixed(1)} s; gateway RSS before ${fmt(before)}, peak ${fmt(peak)}, growth ${fmt(peak - before)} (limit ${fmt(LIMIT)})`);
      expect(result.status).toBe(200);
      expect(result.received).toBe(GiB);
      expect(peak - before).toBeLessThan(LIMIT);
    },
    PER_TEST_MS,
  );

  // The consumer is slower than the producer: only backpressure keeps the gateway from queueing.
  test(
    '256 MiB to a slow upstream and 256 MiB to a slow client: backpressure holds RSS growth < 64 MiB',
    async () => {
      const pid = gatehouse.proc.pid;
      const size = 256 * MiB;
      const before = rssBytes(pid);
      const { peak, result } = await peakDuring(pid, async () => {
        const up = await fetch(`${gatehouse.url}/slow-upload`, { method: 'POST', headers: { host: 'big.example.test' }, body: generated(size), duplex: 'half' } as RequestInit);
        const uploaded = ((await up.json()) as { received: number }).received;
        const down = await fetch(`${gatehouse.url}/download?bytes=${size}`, { headers: { host: 'big.example.test' } });
        return { uploaded, downloaded: await drain(down.body!, 2) };
      });
      console.log(`slow consumers, 256 MiB each way: gateway RSS before ${fmt(before)}, peak ${fmt(peak)}, growth ${fmt(peak - before)} (limit ${fmt(LIMIT)})`);
      expect(result).toEqual({ uploaded: size, downloaded: size });
      expect(peak - before).toBeLessThan(LIMIT);
    },
    PER_TEST_MS,
  );
});
