import type { ListenAddress } from '../config/listen-address.ts';
import type { Admin } from '../admin/admin-state.ts';
import { upstreamRegistry } from '../admin/upstream-status.ts';

/**
 * Serves `/healthz` (process up), `/readyz` (serving a config, and every check in
 * `admin.checks` passing), `/metrics` (Prometheus) and `/status` (upstream members' health).
 *
 * Options: `sessions`, the session endpoints (see admin-sessions.ts); `metrics`, what `/metrics` shows (default: `admin.metrics`, this process's counters;
 * the workers' supervisor passes the sum of theirs); `status`, the JSON `/status` answers (default:
 * `{ routes }`, this process's upstream pools; the workers' supervisor passes `{ workers }`).
 */
export function startAdminServer(
  { hostname, port }: ListenAddress,
  admin: Admin,
  options: {
    metrics?: () => string | Promise<string>;
    status?: () => object | Promise<object>;
    /** The session endpoints (`/sessions`, `/sessions/revoke`); null for other paths. Default none. */
    sessions?: (request: Request) => Promise<Response | null>;
  } = {},
) {
  const metrics = options.metrics ?? (() => admin.metrics.render());
  const status = options.status ?? (() => ({ routes: upstreamRegistry(admin).routes() }));
  return Bun.serve({
    hostname,
    port,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === '/healthz') return Response.json({ status: 'ok' });
      if (path === '/readyz') return readiness(admin);
      if (path === '/metrics') return new Response(await metrics(), { headers: { 'content-type': 'text/plain; version=0.0.4' } });
      if (path === '/status') return Response.json(await status());
      const answered = await options.sessions?.(request);
      if (answered) return answered;
      return Response.json({ error: 'not_found' }, { status: 404 });
    },
  });
}

/** `{ ready, checks: { state: true, … } }`: 200 when serving and every check passes, else 503. */
async function readiness(admin: Admin): Promise<Response> {
  const checks: Record<string, boolean> = {};
  await Promise.all(
    [...admin.checks].map(async ([name, check]) => {
      checks[name] = await Promise.race([
        Promise.resolve().then(check).catch(() => false),
        Bun.sleep(1000).then(() => false),
      ]);
    }),
  );
  const ready = admin.ready && Object.values(checks).every(Boolean);
  return Response.json({ ready, checks }, { status: ready ? 200 : 503 });
}
