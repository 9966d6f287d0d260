import type { ListenAddress } from '../config/listen-address.ts';
import type { Admin } from '../admin/admin-state.ts';

/**
 * Serves `/healthz` (process up), `/readyz` (serving a config) and `/metrics` (Prometheus).
 *
 * Options: `metrics`, what `/metrics` shows (default: `admin.metrics`, this process's counters;
 * the workers' supervisor passes the sum of theirs).
 */
export function startAdminServer({ hostname, port }: ListenAddress, admin: Admin, options: { metrics?: () => string | Promise<string> } = {}) {
  const metrics = options.metrics ?? (() => admin.metrics.render());
  return Bun.serve({
    hostname,
    port,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === '/healthz') return Response.json({ status: 'ok' });
      if (path === '/readyz') return Response.json({ ready: admin.ready }, { status: admin.ready ? 200 : 503 });
      if (path === '/metrics') return new Response(await metrics(), { headers: { 'content-type': 'text/plain; version=0.0.4' } });
      return Response.json({ error: 'not_found' }, { status: 404 });
    },
  });
}
