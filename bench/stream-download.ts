/**
 * One large download through a proxy, measured: curl fetches URL to /dev/null (at most LIMIT
 * seconds) while the proxy's memory (summed VmRSS of its session's processes) is sampled every
 * 50 ms. Prints one JSON line: bytes, seconds, MB/s (10^6 bytes), HTTP status, RSS before, peak
 * RSS during the transfer and VmHWM after (KiB), and whether the time limit cut it short.
 *   bun bench/stream-download.ts URL SID LIMIT_SECONDS EXPECTED_BYTES
 */
import { sampleRss, sessionPids, statusKiB } from './proc-memory.ts';

const [url, sidArg, limitArg, expectedArg] = process.argv.slice(2);
if (!url || !sidArg || !limitArg || !expectedArg) throw new Error('usage: stream-download.ts URL SID LIMIT_SECONDS EXPECTED_BYTES');
const sid = Number(sidArg);
const expected = Number(expectedArg);
const curl = Bun.which('curl');
if (!curl) {
  console.log(JSON.stringify({ error: 'curl is not installed' }));
  process.exit(0);
}
const pids = sessionPids(sid);
const rssBeforeKiB = statusKiB(pids, 'VmRSS');
const sampler = sampleRss(sid);
const child = Bun.spawn([curl, '-s', '-o', '/dev/null', '--max-time', limitArg, '-w', '%{http_code} %{size_download} %{time_total}', url], {
  stdout: 'pipe',
  stderr: 'ignore',
});
const text = await new Response(child.stdout).text();
const exitCode = await child.exited;
const { peakKiB, samples } = sampler.stop();
const [status, bytes, seconds] = text.trim().split(' ').map(Number) as [number, number, number];
console.log(
  JSON.stringify({
    status,
    bytes,
    seconds,
    mbPerSecond: seconds > 0 ? bytes / seconds / 1e6 : 0,
    complete: bytes === expected && status === 200,
    timedOut: exitCode === 28,
    curlExit: exitCode,
    rssBeforeKiB,
    peakRssKiB: peakKiB,
    hwmKiB: statusKiB(pids, 'VmHWM'),
    rssSamples: samples,
    processes: pids.length,
  }),
);
