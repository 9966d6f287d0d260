/**
 * The floor under Gatehouse: the bare Bun proxy (`bench/ceiling-proxy.ts`) plus only what every
 * request through a Gatehouse public route must have done to it, each written as cheaply as this
 * runtime allows. No routing, no plugins, no config, no metrics. If Gatehouse costs about what
 * this costs, the gap to the bare proxy is the price of those rules on Bun, not Gatehouse's code.
 *
 *   PORT=8083 UPSTREAM=http://127.0.0.1:8080 ORIGIN=http://app.bench.test bun bench/obligations-proxy.ts
 *
 * Per request, and why it cannot go:
 * 1. The peer address (`requestIP`): `X-Forwarded-For` and the access line's `client_ip`.
 * 2. A request id (`crypto.randomUUID`): `X-Request-Id` both ways, the access line, error bodies.
 * 3. The request target parsed once with the checked `Host` (`new URL`): routing, the forwarded
 *    host and port, the access line. `Host` verdicts are kept per value, as Gatehouse does.
 * 4. A copy of the client's headers without hop-by-hop headers and without the names only the
 *    gateway may set (`X-Forwarded-*`, `X-Gatehouse-*`, `X-Real-IP`, ...): a client must not
 *    choose what the upstream believes about it.
 * 5. The forwarding headers set on it: `X-Forwarded-For/-Proto/-Host/-Port`, `X-Request-Id`, and a
 *    W3C `traceparent` (a new trace whose id is the request id).
 * 6. A deadline on the upstream call (`AbortController` and a timer): a hung upstream is a 504,
 *    never a hung client.
 * 7. The answer's hop-by-hop headers removed and `X-Request-Id` added.
 * 8. One JSON access line, gathered and written every 50 ms or 64 KiB, its time stamp formatted
 *    once per millisecond.
 * An OPTIONS preflight from ORIGIN is answered here (precomputed CORS headers, as
 * `bench/bare-204.ts` sends) with 1, 2, 3, 7's `X-Request-Id` and 8.
 *
 * The handler is bench/obligations-handler.ts. It shares no code with Gatehouse on purpose: a
 * yardstick must not move when Gatehouse changes.
 * Several copies on one port share it (SO_REUSEPORT), like Gatehouse's `workers`.
 */
import { createObligationsHandler } from './obligations-handler.ts';

const out = Bun.stdout.writer();
const handle = createObligationsHandler({
  upstream: process.env.UPSTREAM ?? 'http://127.0.0.1:8080',
  allowedOrigin: process.env.ORIGIN ?? 'http://app.bench.test',
  write(batch) {
    out.write(batch);
    out.flush();
  },
});

Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 8083),
  reusePort: true,
  development: false,
  fetch: handle,
});
