/** Load-balancing policies (lb_policy) and retries (retry) against real upstream servers. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { closedPort, startRawUpstream } from './support/raw-http.ts';
import { publicRoute } from './support/public-route.ts';
import { scoped } from './support/scoped.ts';

setDefaultTimeout(30_000);

const { cleanup, upstream, gateway } = scoped();


/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))),
  ]);
}

const named = (name: string, status = 200) => upstream(() => new Response(name, { status }));

describe('lb_policy', () => {
  test('least_request sends requests to the idle member while the other is busy', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const busy = upstream(async () => {
      await within(released, 10_000, 'the test to release the busy upstream').catch(() => {});
      return new Response('busy');
    });
    const idle = named('idle');
    const g = await gateway(publicRoute([busy.url, idle.url], 'lb_policy: least_request'));
    // Equal load: the first request goes to the first member, which then holds it.
    const held = g.request('/held');
    await within((async () => { while (busy.received.length === 0) await Bun.sleep(10); })(), 5000, 'the busy member to get a request');
    for (let i = 0; i < 4; i++) expect(await (await within(g.request(`/r${i}`), 5000, `request ${i}`)).text()).toBe('idle');
    expect(busy.received).toHaveLength(1);
    release();
    expect(await (await held).text()).toBe('busy');
  });

  test('first sends everything to the first member, and to the fallbacks in order only while it is down', async () => {
    const primary = named('primary');
    const second = named('second');
    const third = named('third');
    const g = await gateway(publicRoute([primary.url, second.url, third.url], 'lb_policy: first'));
    for (let i = 0; i < 4; i++) expect(await (await g.request(`/p${i}`)).text()).toBe('primary');
    primary.stop();
    for (let i = 0; i < 4; i++) expect(await (await g.request(`/f${i}`)).text()).toBe('second');
    expect(second.received).toHaveLength(4);
    expect(third.received).toHaveLength(0);
  });

  test('random uses every member', async () => {
    const a = named('a');
    const b = named('b');
    const g = await gateway(publicRoute([a.url, b.url], 'lb_policy: random'));
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add(await (await g.request(`/r${i}`)).text());
    expect(seen).toEqual(new Set(['a', 'b']));
  });

  test('an unknown policy is an error at its key', async () => {
    const error = await gateway(publicRoute(['http://127.0.0.1:1'], 'lb_policy: fastest')).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/gatehouse\.yaml:5:5: routes\[0\]\.lb_policy: /);
  });
});

describe('retry', () => {
  const retry503 = 'lb_policy: first\nretry: { attempts: 2, on: [connect_failure, 503] }';

  test('a 503 from one member is retried on the next, which answers', async () => {
    const failing = named('unavailable', 503);
    const ok = named('ok');
    const g = await gateway(publicRoute([failing.url, ok.url], retry503));
    const response = await g.request('/');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect(failing.received).toHaveLength(1);
    expect(ok.received).toHaveLength(1);
  });

  test('without retry, the 503 is passed on as the member sent it', async () => {
    const failing = named('unavailable', 503);
    const ok = named('ok');
    const g = await gateway(publicRoute([failing.url, ok.url], 'lb_policy: first'));
    const response = await g.request('/');
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('unavailable');
    expect(ok.received).toHaveLength(0);
  });

  test('a POST with a body is not retried', async () => {
    const failing = named('unavailable', 503);
    const ok = named('ok');
    const g = await gateway(publicRoute([failing.url, ok.url], retry503));
    const response = await g.request('/', { method: 'POST', body: 'payload' });
    expect(response.status).toBe(503);
    expect(ok.received).toHaveLength(0);

    const refused = await gateway(publicRoute([`http://127.0.0.1:${closedPort()}`, ok.url], retry503));
    expect((await refused.request('/', { method: 'POST', body: 'payload' })).status).toBe(502);
    expect(ok.received).toHaveLength(0);
  });

  test('attempts bounds the tries: the last answer is passed on', async () => {
    const members = [named('a', 503), named('b', 503), named('c')];
    const g = await gateway(publicRoute(members.map((m) => m.url), retry503));
    const response = await g.request('/');
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('b');
    expect(members.map((m) => m.received.length)).toEqual([1, 1, 0]);
  });

  test('a response that started streaming is never retried, even when its body breaks', async () => {
    // Promises 100 bytes, sends 7, and closes the connection.
    const broken = startRawUpstream(() => 'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
    cleanup.push(() => broken.stop());
    const ok = named('ok');
    const g = await gateway(publicRoute([`http://127.0.0.1:${broken.port}`, ok.url], retry503));
    const response = await g.request('/');
    // What the client gets of a broken body depends on when it breaks; never the other member's answer.
    expect(await response.text().catch(() => '')).not.toBe('ok');
    expect(broken.requests).toHaveLength(1);
    expect(ok.received).toHaveLength(0);
  });

  test('retry keys are checked, with the key and line', async () => {
    const error = await gateway(publicRoute(['http://127.0.0.1:1'], 'retry: { attempts: 0, on: [timeout] }')).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/gatehouse\.yaml:5:\d+: routes\[0\]\.retry\.attempts: at least 1/);
    expect(error?.message).toMatch(/routes\[0\]\.retry\.on\[0\]: expected connect_failure or a 5xx status such as 502/);
  });
});
