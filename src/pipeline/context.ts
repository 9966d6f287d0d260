import type { Exemption, Identity, Logger, RequestContext, RouteInfo, TraceContext, UpstreamTarget } from '../plugin-api/index.ts';
import { jsonError } from '../http/json-error.ts';
import type { TunnelData } from '../proxy/websocket.ts';

/** What the gateway knows of a request when its route's pipeline starts. */
export interface ContextInit {
  requestId: string;
  request: Request;
  url: URL;
  clientIp: string;
  route: RouteInfo;
  upstream: UpstreamTarget;
  trace: TraceContext;
  log: Logger;
  /** Set by the server for connections that may switch to a WebSocket tunnel. */
  upgrade?: (data: TunnelData) => boolean;
}

/** The concrete request context; plugins see it through the `RequestContext` interface. */
export class Context implements RequestContext {
  identity: Identity | null = null;
  exemption: Exemption | null = null;
  allowedOrigin: string | null = null;
  request: Request;
  upstream: UpstreamTarget;
  readonly requestId: string;
  readonly url: URL;
  readonly clientIp: string;
  readonly route: RouteInfo;
  readonly trace: TraceContext;
  readonly log: Logger;
  readonly upgrade?: (data: TunnelData) => boolean;
  private stateMap: Map<symbol | string, unknown> | undefined;

  constructor(init: ContextInit) {
    this.requestId = init.requestId;
    this.request = init.request;
    this.url = init.url;
    this.clientIp = init.clientIp;
    this.route = init.route;
    this.upstream = init.upstream;
    this.trace = init.trace;
    this.log = init.log;
    this.upgrade = init.upgrade;
  }

  get state(): Map<symbol | string, unknown> {
    return (this.stateMap ??= new Map());
  }

  error(status: number, code: string, extra?: Record<string, unknown>, headers?: HeadersInit): Response {
    return jsonError(status, code, this.requestId, extra, headers);
  }
}
