import type { Socket, TCPSocketListener } from 'bun';

export interface RawResponse {
  status: number;
  /** Header lines as received, names lower-cased, in order (repeats kept). */
  headers: [string, string][];
  header(name: string): string | undefined;
  body: string;
}

/**
 * Sends `text` as is over a new TCP connection to 127.0.0.1:`port` and returns what comes back
 * once the server closes the connection (send `Connection: close`) or `timeoutMs` passes.
 * For requests `fetch` would rewrite (hop-by-hop headers, repeated headers).
 */
export async function rawRequest(port: number, text: string, timeoutMs = 10_000): Promise<RawResponse> {
  const chunks: Buffer[] = [];
  let done!: () => void;
  const closed = new Promise<void>((r) => (done = r));
  const socket = await Bun.connect({
    hostname: '127.0.0.1',
    port,
    socket: {
      data: (_s, data) => void chunks.push(Buffer.from(data)),
      close: () => done(),
      end: () => done(),
      error: () => done(),
    },
  });
  socket.write(text);
  const timer = setTimeout(() => done(), timeoutMs);
  await closed;
  clearTimeout(timer);
  socket.end();
  return parseResponse(Buffer.concat(chunks).toString('latin1'));
}

function parseResponse(raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete response head in ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers = lines.map((l): [string, string] => {
    const colon = l.indexOf(':');
    return [l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim()];
  });
  let body = raw.slice(end + 4);
  if (headers.some(([n, v]) => n === 'transfer-encoding' && v.toLowerCase().includes('chunked'))) body = dechunk(body);
  return {
    status: Number(statusLine!.split(' ')[1]),
    headers,
    header: (name) => headers.find(([n]) => n === name.toLowerCase())?.[1],
    body,
  };
}

function dechunk(body: string): string {
  let out = '';
  let at = 0;
  for (let guard = 0; guard < 100_000 && at < body.length; guard++) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = parseInt(body.slice(at, eol), 16);
    if (!size) break;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}

export interface RawUpstream {
  port: number;
  /** Raw request heads received, in order. */
  requests: string[];
  stop(): void;
}

/**
 * A TCP server on 127.0.0.1 that answers each request head with `reply(head)`: bytes written as
 * they are (then the connection is closed), or `'reset'` to drop the connection without an answer.
 */
export function startRawUpstream(reply: (head: string) => string | 'reset'): RawUpstream {
  const requests: string[] = [];
  const buffers = new WeakMap<Socket<unknown>, string>();
  const listener: TCPSocketListener<unknown> = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket, data) {
        const text = (buffers.get(socket) ?? '') + Buffer.from(data).toString('latin1');
        buffers.set(socket, text);
        const end = text.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = text.slice(0, end);
        requests.push(head);
        const answer = reply(head);
        if (answer === 'reset') {
          socket.terminate();
          return;
        }
        socket.write(answer);
        socket.end();
      },
    },
  });
  return { port: listener.port, requests, stop: () => listener.stop(true) };
}

/** A port on 127.0.0.1 on which nothing listens (connections are refused). */
export function closedPort(): number {
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}
