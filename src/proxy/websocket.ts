import type { ServerWebSocket, WebSocketHandler } from 'bun';

/** What the client side of a proxied WebSocket carries. */
export interface TunnelData {
  upstreamUrl: string;
  headers: Record<string, string>;
  protocols: string[];
  upstream?: WebSocket;
  /** Client messages that arrived before the upstream connection opened. */
  pending: (string | ArrayBufferLike | Uint8Array)[];
  /** Their total size in bytes (strings counted by UTF-16 length, close enough for a cap). */
  pendingBytes?: number;
}

/** A client may queue this much before the upstream answers; past it the tunnel closes (1009). */
export const MAX_PENDING_MESSAGES = 64;
export const MAX_PENDING_BYTES = 1024 * 1024;
/**
 * Bytes either side may have waiting for a slow reader. Neither end of a tunnel can be paused,
 * so a peer that stops reading gets the tunnel closed (1013, try again later) rather than the
 * gateway holding its backlog.
 */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Marks the Response the pipeline returns once the client connection has been upgraded. */
const upgraded = new WeakSet<Response>();

export function upgradedResponse(): Response {
  const response = new Response(null, { status: 101 });
  upgraded.add(response);
  return response;
}

export function wasUpgraded(response: Response): boolean {
  return upgraded.has(response);
}

/** True when the request asks to switch to the WebSocket protocol. */
export function isWebSocketRequest(request: Request): boolean {
  return request.headers.get('upgrade')?.toLowerCase() === 'websocket';
}

/**
 * Bun's websocket handler for proxied connections: the upstream connection opens when the client
 * does, messages flow both ways as they arrive, and either side closing closes the other.
 */
export const tunnelHandler: WebSocketHandler<TunnelData> = {
  backpressureLimit: MAX_BUFFERED_BYTES,
  open(client) {
    const { data } = client;
    const upstream = new WebSocket(data.upstreamUrl, { headers: data.headers, protocols: data.protocols } as never);
    upstream.binaryType = 'arraybuffer';
    data.upstream = upstream;
    upstream.onopen = () => {
      for (const message of data.pending) upstream.send(message);
      data.pending.length = 0;
    };
    upstream.onmessage = (event) => {
      // 0: Bun dropped the message (the client's backlog is over backpressureLimit).
      if (client.send(event.data as string | ArrayBuffer) === 0) {
        closeQuietly(client, 1013, 'client too slow');
        upstream.close(1013, 'client too slow');
      }
    };
    upstream.onclose = (event) => closeQuietly(client, event.code, event.reason);
    upstream.onerror = () => closeQuietly(client, 1011, 'upstream error');
  },
  message(client, message) {
    const { data } = client;
    const upstream = data.upstream;
    if (upstream?.readyState === WebSocket.OPEN) {
      if (upstream.bufferedAmount > MAX_BUFFERED_BYTES) {
        closeQuietly(client, 1013, 'upstream too slow');
        upstream.close(1013, 'upstream too slow');
        return;
      }
      upstream.send(message);
      return;
    }
    data.pendingBytes = (data.pendingBytes ?? 0) + (typeof message === 'string' ? message.length : message.byteLength);
    if (data.pending.length >= MAX_PENDING_MESSAGES || data.pendingBytes > MAX_PENDING_BYTES) {
      // A slow or absent upstream must not let one client make the gateway buffer without end.
      data.pending.length = 0;
      closeQuietly(client, 1009, 'too much data before the upstream connected');
      upstream?.close(1001);
      return;
    }
    data.pending.push(message);
  },
  close(client, code, reason) {
    const upstream = client.data.upstream;
    if (upstream && upstream.readyState <= WebSocket.OPEN) upstream.close(validCloseCode(code), reason);
  },
};

function closeQuietly(client: ServerWebSocket<TunnelData>, code: number, reason: string): void {
  try {
    client.close(validCloseCode(code), reason);
  } catch {
    // already closed
  }
}

/** Codes 1005/1006/1015 are reserved for reporting and may not be sent. */
function validCloseCode(code: number): number {
  return code === 1005 || code === 1006 || code === 1015 || code < 1000 ? 1000 : code;
}
