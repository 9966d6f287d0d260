import { parseListen } from '../server/listen-address.ts';
import type { Admin } from './admin-state.ts';

/** Serves `/healthz` (process up), `/readyz` (serving a config) and `/metrics` (Prometheus). */
export function startAdminServer(listen: string, admin: Admin) {
  const { hostname, port } = parseListen(listen);
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
