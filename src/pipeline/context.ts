import type { Exemption, Identity, Logger, RequestContext, RouteInfo, UpstreamTarget } from '../plugin-api/index.ts';
import { jsonError } from '../http/json-error.ts';
import type { TunnelData } from '../proxy/websocket.ts';

/** The concrete request context; plugins see it through the `RequestContext` interface. */
export class Context implements RequestContext {
  identity: Identity | null = null;
  exemption: Exemption | null = null;
  allowedOrigin: string | null = null;
  upstream: UpstreamTarget;
  private stateMap: Map<symbol | string, unknown> | undefined;

  constructor(
    readonly requestId: string,
    public request: Request,
    readonly url: URL,
    readonly clientIp: string,
    readonly route: RouteInfo,
    upstream: UpstreamTarget,
    readonly log: Logger,
    /** Set by the server for connections that may switch to a WebSocket tunnel. */
    readonly upgrade?: (data: TunnelData) => boolean,
  ) {
    this.upstream = upstream;
  }

  get state(): Map<symbol | string, unknown> {
    return (this.stateMap ??= new Map());
  }

  error(status: number, code: string, extra?: Record<string, unknown>, headers?: HeadersInit): Response {
    return jsonError(status, code, this.requestId, extra, headers);
  }
}
