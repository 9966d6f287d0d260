/**
 * This example's upstreams: two replicas of an orders service that only knows its own `/v2/`
 * paths, and an exports service. Each answers with what it received, so you can see what a
 * route's rewrite made of your request.
 *
 *   bun examples/api-gateway/upstreams.ts                     orders-a, orders-b and exports
 *   bun examples/api-gateway/upstreams.ts orders-b            only those named
 *
 * Ports: $ORDERS_A_PORT (3001), $ORDERS_B_PORT (3002), $EXPORTS_PORT (3003), as in gatehouse.yaml.
 *
 * An orders replica, on its own port (not through Gatehouse):
 *   GET  /healthz       200 while its mode is `ok`, 503 otherwise (what health_check asks)
 *   PUT  /mode          body `ok`, `drain` (healthz fails, requests still served) or
 *                       `broken` (503 to everything)
 *   GET  /v2/orders/latest   302 to /v2/orders/1001 (Gatehouse maps the Location back)
 *   GET  /v2/…          {"service":"orders","replica":"a","path":"/v2/orders/7?expand=items"}
 *   anything else       404
 */

/** What an orders replica does with requests; set with `PUT /mode`. */
export type ReplicaMode = 'ok' | 'drain' | 'broken';
const MODES: readonly ReplicaMode[] = ['ok', 'drain', 'broken'];

/** An orders replica named `name` (`a`, `b`), starting in mode `ok`. */
export function ordersReplica(name: string): (request: Request) => Promise<Response> {
  let mode: ReplicaMode = 'ok';
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname === '/mode' && request.method === 'PUT') {
      const wanted = (await request.text()).trim() as ReplicaMode;
      if (!MODES.includes(wanted)) return Response.json({ error: `mode is one of ${MODES.join(', ')}` }, { status: 400 });
      mode = wanted;
      return Response.json({ replica: name, mode });
    }
    if (url.pathname === '/healthz') return new Response(mode === 'ok' ? 'ok' : mode, { status: mode === 'ok' ? 200 : 503 });
    if (mode === 'broken') return Response.json({ error: 'broken', replica: name }, { status: 503 });
    const received = url.pathname + url.search;
    if (!url.pathname.startsWith('/v2/')) return Response.json({ error: 'not_found', replica: name, path: received }, { status: 404 });
    if (url.pathname === '/v2/orders/latest') return new Response(null, { status: 302, headers: { location: '/v2/orders/1001' } });
    return Response.json({ service: 'orders', replica: name, method: request.method, path: received });
  };
}

/** The exports service: answers every path with what it received. */
export function exportsService(): (request: Request) => Response {
  return (request) => {
    const url = new URL(request.url);
    return Response.json({ service: 'exports', method: request.method, path: url.pathname + url.search });
  };
}

/** The upstreams by name, with the environment variable that sets each port and its default. */
export const UPSTREAMS = {
  'orders-a': { portVariable: 'ORDERS_A_PORT', defaultPort: 3001, handler: () => ordersReplica('a') },
  'orders-b': { portVariable: 'ORDERS_B_PORT', defaultPort: 3002, handler: () => ordersReplica('b') },
  exports: { portVariable: 'EXPORTS_PORT', defaultPort: 3003, handler: () => exportsService() },
} as const;

type UpstreamName = keyof typeof UPSTREAMS;

if (import.meta.main) {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !(n in UPSTREAMS));
  if (unknown.length) {
    console.error(`unknown upstream ${unknown.join(', ')}; usage: bun examples/api-gateway/upstreams.ts [${Object.keys(UPSTREAMS).join(' ')}]`);
    process.exit(2);
  }
  for (const name of (names.length ? names : Object.keys(UPSTREAMS)) as UpstreamName[]) {
    const { portVariable, defaultPort, handler } = UPSTREAMS[name];
    const port = Number(process.env[portVariable] ?? defaultPort);
    Bun.serve({ hostname: '127.0.0.1', port, fetch: handler() });
    console.log(`${name.padEnd(8)} http://127.0.0.1:${port}`);
  }
}
