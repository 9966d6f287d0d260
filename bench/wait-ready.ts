/**
 * Waits until URL answers 200 with the upstream's JSON body (so a proxy is really proxying), then
 * exits 0; exits 1 after TIMEOUT_MS (default 15000), or as soon as process PID (if given) has exited.
 *   bun bench/wait-ready.ts URL [TIMEOUT_MS] [PID]
 * WAIT_HEADER="Name: value" sends that header too (the signed-in rows' cookie); several are
 * separated by newlines.
 */
const [url, timeoutArg, pidArg] = process.argv.slice(2);
if (!url) throw new Error('usage: wait-ready.ts URL [TIMEOUT_MS] [PID]');
const pid = pidArg ? Number(pidArg) : undefined;
const alive = () => {
  if (pid === undefined) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const deadline = Date.now() + Number(timeoutArg ?? 15000);
let last = 'no answer';
while (Date.now() < deadline) {
  try {
    const headers: Record<string, string> = {};
    for (const line of (process.env.WAIT_HEADER ?? '').split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(1000) });
    const body = await response.text();
    if (response.status === 200 && body.includes('"service":"upstream"')) process.exit(0);
    last = `status ${response.status}: ${body.slice(0, 200)}`;
  } catch (error) {
    last = (error as Error).message;
  }
  if (!alive()) {
    console.error(`${url} not ready: the server process (pid ${pid}) exited`);
    process.exit(1);
  }
  await Bun.sleep(100);
}
console.error(`${url} not ready: ${last}`);
process.exit(1);
export {};
