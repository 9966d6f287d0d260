import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startGateway, type TestGateway } from './support/gateway.ts';

// An echo WebSocket upstream that also reports the path and a header it saw on the handshake.
const upstream = Bun.serve<{ path: string; header: string | null }>({
  hostname: '127.0.0.1',
  port: 0,
  fetch(request, server) {
    const url = new URL(request.url);
    if (server.upgrade(request, { data: { path: url.pathname + url.search, header: request.headers.get('x-from-gateway') } })) return;
    return new Response('not a websocket', { status: 426 });
  },
  websocket: {
    open(ws) {
      ws.send(JSON.stringify({ path: ws.data.path, header: ws.data.header }));
    },
    message(ws, message) {
      ws.send(`echo:${message}`);
    },
  },
});

let open: TestGateway;
let closed: TestGateway;
beforeAll(async () => {
  const route = (allow: boolean) => `routes:
  - from: http://ws.example.test
    to: http://127.0.0.1:${upstream.port}
    policy: { public: true }
    allow_websockets: ${allow}
    set_request_headers: { X-From-Gateway: yes }
`;
  open = await startGateway(route(true));
  closed = await startGateway(route(false));
});
afterAll(async () => {
  await open.stop();
  await closed.stop();
  upstream.stop(true);
});

function connect(gateway: TestGateway, path: string): Promise<{ messages: string[]; ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${gateway.port}${path}`, { headers: { host: 'ws.example.test' } } as never);
  const messages: string[] = [];
  return new Promise((resolve, reject) => {
    ws.onmessage = (e) => {
      messages.push(String(e.data));
      if (messages.length === 2) resolve({ messages, ws });
    };
    ws.onopen = () => ws.send('ping');
    ws.onerror = () => reject(new Error('websocket failed'));
    setTimeout(() => reject(new Error('timed out')), 5000);
  });
}

test('allow_websockets tunnels a WebSocket both ways, with the route headers on the handshake', async () => {
  const { messages, ws } = await connect(open, '/chat?room=1');
  ws.close();
  expect(JSON.parse(messages[0]!)).toEqual({ path: '/chat?room=1', header: 'yes' });
  expect(messages[1]).toBe('echo:ping');
});

test('without allow_websockets the upgrade is not passed on', async () => {
  await expect(connect(closed, '/chat')).rejects.toThrow();
  const response = await closed.request('/chat', { headers: { upgrade: 'websocket', connection: 'upgrade' } });
  expect(response.status).toBe(426);
});

/** A gateway with one public WebSocket route to 127.0.0.1:`port`. */
function wsGateway(port: number): Promise<TestGateway> {
  return startGateway(`routes:
  - from: http://ws.example.test
    to: http://127.0.0.1:${port}
    policy: { public: true }
    allow_websockets: true
`);
}

/** An open client WebSocket through `gateway`, and a promise of the code it is closed with. */
async function openTunnel(gateway: TestGateway): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${gateway.port}/chat`, { headers: { host: 'ws.example.test' } } as never);
  const closed = new Promise<number>((resolve) => (ws.onclose = (e) => resolve(e.code)));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('websocket failed'));
  });
  return { ws, closed };
}

/** Sends a raw WebSocket handshake and returns the status line's code. */
async function handshakeStatus(gateway: TestGateway, host: string, origin?: string): Promise<number> {
  const { rawRequest } = await import('./support/raw-http.ts');
  const response = await rawRequest(
    gateway.port,
    `GET /chat HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${origin ? `Origin: ${origin}\r\n` : ''}\r\n`,
    // A 101 keeps the connection open; the head has arrived long before this.
    400,
  );
  return response.status;
}

test('a WebSocket handshake from a foreign Origin is refused; the route origin and preflight-allowed origins pass', async () => {
  const gateway = await startGateway(`routes:
  - from: http://ws.example.test
    to: http://127.0.0.1:${upstream.port}
    policy: { public: true }
    allow_websockets: true
    plugins:
      - use: preflight
        allow_origins: [http://app.example.test]
`);
  try {
    expect(await handshakeStatus(gateway, 'ws.example.test', 'http://evil.example')).toBe(403);
    expect(await handshakeStatus(gateway, 'ws.example.test', 'null')).toBe(403);
    expect(await handshakeStatus(gateway, 'ws.example.test', 'http://ws.example.test')).toBe(101);
    expect(await handshakeStatus(gateway, 'ws.example.test', 'http://app.example.test')).toBe(101);
    // Non-browser clients send no Origin; nothing about them is cross-site.
    expect(await handshakeStatus(gateway, 'ws.example.test')).toBe(101);
  } finally {
    await gateway.stop();
  }
}, 10_000);

test('a client cannot make the gateway buffer without end while the upstream has not answered', async () => {
  // An upstream that accepts the TCP connection and never answers the handshake.
  const silent = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const gateway = await wsGateway(silent.port);
  try {
    const { ws, closed } = await openTunnel(gateway);
    for (let i = 0; i < 100; i++) ws.send(`message ${i}`);
    const code = await Promise.race([closed, Bun.sleep(5000).then(() => -1)]);
    expect(code).toBe(1009);
  } finally {
    await gateway.stop();
    silent.stop(true);
  }
});

test('an upstream that stops reading gets the tunnel closed (1013), not the gateway filling memory', async () => {
  // Completes the WebSocket handshake, then never reads again.
  const stalled = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket, data) {
        const key = /sec-websocket-key:\s*(\S+)/i.exec(Buffer.from(data).toString('latin1'))?.[1];
        if (!key) return;
        const accept = new Bun.CryptoHasher('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        socket.pause();
      },
    },
  });
  const gateway = await wsGateway(stalled.port);
  try {
    const { ws, closed } = await openTunnel(gateway);
    await Bun.sleep(200);
    const frame = new Uint8Array(1024 * 1024);
    let code = -1;
    void closed.then((c) => (code = c));
    // At most 256 MiB, one MiB at a time, while the client itself keeps up.
    for (let i = 0; i < 256 && code === -1; i++) {
      if (ws.readyState !== WebSocket.OPEN) break;
      ws.send(frame);
      while (ws.bufferedAmount > 8 * 1024 * 1024 && code === -1) await Bun.sleep(5);
      await Bun.sleep(1);
    }
    expect(await Promise.race([closed, Bun.sleep(10_000).then(() => -1)])).toBe(1013);
  } finally {
    await gateway.stop();
    stalled.stop(true);
  }
}, 30_000);

test('a client that stops reading gets the tunnel closed (1013), not messages silently dropped', async () => {
  let upstreamClosed: (code: number) => void;
  const closedUpstream = new Promise<number>((resolve) => (upstreamClosed = resolve));
  let stop = false;
  const flooding = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request, server) {
      return server.upgrade(request) ? undefined : new Response('no', { status: 426 });
    },
    websocket: {
      async open(ws) {
        const frame = new Uint8Array(1024 * 1024);
        // At most 256 MiB, respecting the gateway's own backpressure.
        for (let i = 0; i < 256 && !stop; i++) {
          if (ws.send(frame) === -1) await Bun.sleep(5);
          await Bun.sleep(1);
        }
      },
      message() {},
      close(_ws, code) {
        stop = true;
        upstreamClosed(code);
      },
    },
  });
  const gateway = await wsGateway(flooding.port!);
  // A client that completes the handshake and then never reads.
  const client = await Bun.connect({ hostname: '127.0.0.1', port: gateway.port, socket: { data(socket) { socket.pause(); } } });
  try {
    client.write(`GET /chat HTTP/1.1\r\nHost: ws.example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    expect(await Promise.race([closedUpstream, Bun.sleep(20_000).then(() => -1)])).toBe(1013);
  } finally {
    stop = true;
    client.end();
    await gateway.stop();
    flooding.stop(true);
  }
}, 30_000);
