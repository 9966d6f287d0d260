import type { Serve, Server } from 'bun';
import type { Admin } from '../admin/admin-state.ts';
import type { ListenAddress } from '../config/listen-address.ts';
import type { AccessRecord, Gateway } from '../gateway/gateway.ts';
import { jsonError } from '../http/json-error.ts';
import { isRefusal } from '../http/request-gate.ts';
import { newRequestId } from '../http/request-id.ts';
import type { LineSink } from '../log/logger.ts';
import type { Logger } from '../plugin-api/index.ts';
import type { TunnelData } from '../proxy/websocket.ts';
import { canonicalForMatching } from '../router/router.ts';
import { writeAccessLine } from './access-log.ts';

const ACME_CHALLENGE = '/.well-known/acme-challenge/';

export interface RedirectListenerOptions {
  address: ListenAddress;
  /** Share the port with sibling workers (SO_REUSEPORT). Default false. */
  reusePort?: boolean;
  /** The main listener's options: ACME challenges go to its `fetch`, which routes them as usual. */
  main: Serve.Options<TunnelData>;
  /** The HTTPS listener's port, named in redirects unless `http_redirect_to_port` says otherwise. */
  tlsPort: number;
  /** The gateway of the config in force (read per request, so reloads apply). */
  gateway: () => Gateway;
  admin: Admin;
  accessSink: LineSink;
  log: Logger;
}

/**
 * Opens the plain-HTTP listener of `http_redirect_listen`. Every request whose Host passes the
 * request gate and names a host Gatehouse serves (a route's `from`, or the sign-in host) gets a
 * `308` to the same path and query on `https://host[:port]`; an invalid Host gets the gate's
 * `400` and an unknown host `404 no_route`, so it never redirects to a host a client chose.
 * `/.well-known/acme-challenge/…` is not redirected: when an `http://` route matches it, it is
 * served through the normal gateway (an external ACME client behind that route answers it);
 * otherwise `404 no_route`.
 */
export function openRedirectListener(options: RedirectListenerOptions): Server<TunnelData> {
  const { gateway, admin, accessSink } = options;
  const mainFetch = options.main.fetch as (this: Server<TunnelData>, request: Request, server: Server<TunnelData>) => Response | undefined | Promise<Response | undefined>;

  const server = Bun.serve<TunnelData>({
    ...options.main,
    hostname: options.address.hostname,
    port: options.address.port,
    reusePort: options.reusePort ?? false,
    tls: undefined,
    fetch(request, srv) {
      const startedAt = performance.now();
      const gw = gateway();
      const record: AccessRecord = { requestId: newRequestId(), route: 'http_redirect' };
      const gated = gw.gate(request, srv.requestIP(request)?.address ?? '');
      let response: Response;
      if (isRefusal(gated)) {
        response = jsonError(gated.status, gated.code, record.requestId!, { reason: gated.reason, message: gated.message }, gated.headers);
      } else {
        record.url = gated.url;
        record.clientIp = gated.clientIp;
        const { url, host } = gated;
        if (canonicalForMatching(url.pathname).startsWith(ACME_CHALLENGE)) {
          const found = gw.lookup(url);
          if (found.kind === 'route' && found.route.origin.startsWith('http:')) return mainFetch.call(srv, request, srv);
          response = jsonError(404, 'no_route', record.requestId!, { message: 'no http:// route serves ACME challenges for this host' });
        } else if (!gw.servesHost(host.hostname)) {
          response = jsonError(404, 'no_route', record.requestId!);
        } else {
          const port = gw.loaded.config.http_redirect_to_port ?? options.tlsPort;
          const location = `https://${host.hostname}${port === 443 ? '' : `:${port}`}${url.pathname}${url.search}`;
          response = new Response(null, { status: 308, headers: { location, 'x-request-id': record.requestId! } });
        }
      }
      admin.meter.record('http_redirect', response.status, (performance.now() - startedAt) / 1000);
      if (gw.loaded.config.log.access_log) writeAccessLine(accessSink, request, record.url, response.status, startedAt, record);
      return response;
    },
  } as Serve.Options<TunnelData>);
  options.log.info('http redirect listening', { url: `http://${options.address.hostname}:${server.port}`, to_port: gateway().loaded.config.http_redirect_to_port ?? options.tlsPort });
  return server;
}
