/**
 * What Gatehouse tells an operator about each request: W3C trace context passed to upstreams,
 * the trace id in the access line, and request / upstream histograms and error counters on
 * `/metrics` (rendered here from the same admin state the admin listener serves).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './support/gateway.ts';
import { freePort } from './support/process.ts';

let upstream: TestUpstream;
let gw: TestGateway;
let deadPort: number;

beforeAll(async () => {
  upstream = startUpstream();
  deadPort = await freePort();
  gw = await startGateway(`
routes:
  - from: http://app.example.test
    to: ${upstream.url}
    policy: { public: true }
  - from: http://down.example.test
    to: http://127.0.0.1:${deadPort}
    policy: { public: true }
`);
});
afterAll(async () => {
  await gw.stop();
  await upstream.stop();
});

const echoed = async (response: Response) => ((await response.json()) as { headers: Record<string, string> }).headers;

describe('trace context', () => {
  test("a client's valid traceparent keeps its trace; the upstream sees Gatehouse's span as parent", async () => {
    const response = await gw.request('/x', { host: 'app.example.test', headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=1' } });
    const headers = await echoed(response);
    expect(headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(headers.traceparent).not.toContain('b7ad6b7169203331');
    expect(headers.tracestate).toBe('vendor=1');
    const line = gw.accessLogs.json().find((l) => l.request_id === response.headers.get('x-request-id'));
    expect(line?.trace_id).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  test('without one, a new trace starts; a malformed one is replaced and its tracestate dropped', async () => {
    const fresh = await echoed(await gw.request('/x', { host: 'app.example.test' }));
    expect(fresh.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const bad = await echoed(await gw.request('/x', { host: 'app.example.test', headers: { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01', tracestate: 'evil=1' } }));
    expect(bad.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(bad.traceparent).not.toContain('00000000000000000000000000000000');
    expect(bad.tracestate).toBeUndefined();
  });
});

describe('metrics', () => {
  test('request duration histogram by route, with cumulative buckets that end in the count', async () => {
    for (let i = 0; i < 3; i++) await (await gw.request('/x', { host: 'app.example.test' })).text();
    const text = gw.admin.metrics.render();
    expect(text).toContain('# TYPE gatehouse_request_duration_seconds histogram');
    const count = Number(/gatehouse_request_duration_seconds_count\{route="routes\[0\]"\} (\d+)/.exec(text)?.[1]);
    expect(count).toBeGreaterThanOrEqual(3);
    const inf = Number(/gatehouse_request_duration_seconds_bucket\{route="routes\[0\]",le="\+Inf"\} (\d+)/.exec(text)?.[1]);
    expect(inf).toBe(count);
    const buckets = [...text.matchAll(/gatehouse_request_duration_seconds_bucket\{route="routes\[0\]",le="[^"]+"\} (\d+)/g)].map((m) => Number(m[1]));
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(text).toMatch(/gatehouse_requests_total\{route="routes\[0\]",code="2xx"\} \d+/);
  });

  test('upstream answer times by member, and errors by kind', async () => {
    await (await gw.request('/x', { host: 'app.example.test' })).text();
    expect((await gw.request('/x', { host: 'down.example.test' })).status).toBe(502);
    const text = gw.admin.metrics.render();
    expect(text).toMatch(new RegExp(`gatehouse_upstream_duration_seconds_count\\{route="routes\\[0\\]",upstream="http://127.0.0.1:${upstream.port}"\\} [1-9]`));
    expect(text).toContain(`gatehouse_upstream_errors_total{route="routes[1]",upstream="http://127.0.0.1:${deadPort}",kind="connect_failure"} 1`);
  });
});
