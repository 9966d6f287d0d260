import type { ListenAddress } from '../config/listen-address.ts';
import type { Admin } from '../admin/admin-state.ts';

/** Serves `/healthz` (process up), `/readyz` (serving a config) and `/metrics` (Prometheus). */
export function startAdminServer({ hostname, port }: ListenAddress, admin: Admin) {
  return Bun.serve({
    hostname,
    port,
    fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === '/healthz') return Response.json({ status: 'ok' });
      if (path === '/readyz') return Response.json({ ready: admin.ready }, { status: admin.ready ? 200 : 503 });
      if (path === '/metrics') return new Response(admin.metrics.render(), { headers: { 'content-type': 'text/plain; version=0.0.4' } });
      return Response.json({ error: 'not_found' }, { status: 404 });
    },
  });
}
