import { expect, test } from 'bun:test';
import preflight from './index.ts';
import { compilePolicy } from './config.ts';
import { KEPT_ORIGINS, preflightAnswers } from './preflight-answers.ts';
import { corsHeaders, fakeContext, fakeNext, instantiate } from '../../src/testing/plugin-fakes.ts';

const policy = (options: Record<string, unknown>) => compilePolicy({ allow_origins: ['https://*.example.test'], ...options }, () => {});

test("one instance answers each origin and request shape with its own headers, however they alternate", async () => {
  const { handle } = await instantiate(preflight, { allow_origins: ['https://*.example.test'], allow_methods: ['PUT'], allow_headers: ['Authorization'], allow_private_network: true });
  const ask = async (origin: string, extra: Record<string, string>) => {
    const ctx = fakeContext({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', ...extra } });
    const response = await handle(ctx, fakeNext());
    // The engine stamps its request id on whatever the plugin answers: that must not stick.
    response.headers.set('x-request-id', ctx.requestId);
    return { status: response.status, cors: corsHeaders(response) };
  };
  const shapes: Record<string, string>[] = [{}, { 'access-control-request-headers': 'authorization' }, { 'access-control-request-private-network': 'true' }, { 'access-control-request-headers': ' , ' }];
  for (let round = 0; round < 2; round++) {
    for (const origin of ['https://a.example.test', 'https://b.example.test']) {
      for (const extra of shapes) {
        const expected: Record<string, string> = { 'access-control-allow-origin': origin, 'access-control-allow-methods': 'PUT' };
        if (extra['access-control-request-headers'] === 'authorization') expected['access-control-allow-headers'] = 'Authorization';
        if (extra['access-control-request-private-network']) expected['access-control-allow-private-network'] = 'true';
        expect(await ask(origin, extra)).toEqual({ status: 204, cors: expected });
      }
    }
  }
  expect((await ask('https://c.example.test', {})).cors['x-request-id']).toBeUndefined();
});

test('answers are built once per origin and shape, and at most KEPT_ORIGINS origins are kept', () => {
  const answer = preflightAnswers(policy({ allow_methods: ['PUT'] }));
  const first = answer('https://o0.example.test', 'PUT', null, false);
  expect(answer('https://o0.example.test', 'PUT', null, false)).toBe(first);
  expect(answer('https://o0.example.test', 'PUT', 'x', false)).not.toBe(first);
  for (let i = 1; i <= KEPT_ORIGINS; i++) answer(`https://o${i}.example.test`, 'PUT', null, false);
  const again = answer('https://o0.example.test', 'PUT', null, false);
  expect(again).not.toBe(first);
  expect([...again]).toEqual([...first]);
});

test('with * and credentials the requested method and headers are named back on every answer', () => {
  const answer = preflightAnswers(policy({ allow_methods: ['*'], allow_headers: ['*'], allow_credentials: true }));
  const origin = 'https://a.example.test';
  expect(answer(origin, 'PURGE', 'x-one', false).get('access-control-allow-methods')).toBe('PURGE');
  expect(answer(origin, 'PATCH', 'x-two', false).get('access-control-allow-methods')).toBe('PATCH');
  expect(answer(origin, 'PATCH', 'x-two', false).get('access-control-allow-headers')).toBe('x-two');
  expect(answer(origin, 'PATCH', 'x-three', false).get('access-control-allow-headers')).toBe('x-three');
  // Headers * alone (methods listed): the named headers are reflected, the fixed methods kept.
  const headersOnly = preflightAnswers(policy({ allow_methods: ['PUT'], allow_headers: ['*'], allow_credentials: true }));
  expect(headersOnly(origin, 'PUT', 'x-one', false).get('access-control-allow-headers')).toBe('x-one');
  expect(headersOnly(origin, 'PUT', 'x-two', false).get('access-control-allow-headers')).toBe('x-two');
  expect(headersOnly(origin, 'PUT', null, false).get('access-control-allow-methods')).toBe('PUT');
});
