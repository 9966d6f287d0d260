/**
 * The least a Bun proxy can do: Bun.serve + fetch, passing method, headers and body through, no
 * routing, no header rewriting, no logging. Its requests/s is the ceiling Gatehouse (which runs on
 * the same runtime) can approach, so the gap between the two is Gatehouse's own hot path.
 *   PORT=8081 UPSTREAM=http://127.0.0.1:8080 bun bench/ceiling-proxy.ts
 * Several copies on one port share it (SO_REUSEPORT), like Gatehouse's `workers`.
 */
const upstream = process.env.UPSTREAM ?? 'http://127.0.0.1:8080';
const port = Number(process.env.PORT ?? 8081);

Bun.serve({
  hostname: '127.0.0.1',
  port,
  reusePort: true,
  development: false,
  fetch(request) {
    const url = new URL(request.url);
    return fetch(upstream + url.pathname + url.search, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      decompress: false,
    });
  },
});
