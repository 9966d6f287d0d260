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
