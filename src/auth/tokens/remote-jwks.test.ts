import { afterAll, expect, test } from 'bun:test';
import { exportJWK, generateKeyPair } from 'jose';
import { JwksUnavailableError, remoteJwks } from './remote-jwks.ts';

const { publicKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
let fetches = 0;
let mode: 'ok' | 'hang' | 'fail' = 'ok';
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch() {
    fetches++;
    if (mode === 'hang') await Bun.sleep(5000);
    if (mode === 'fail') return new Response('nope', { status: 500 });
    return Response.json({ keys: [jwk] });
  },
});
afterAll(() => server.stop(true));
const url = `http://127.0.0.1:${server.port}/jwks`;

test('finds keys by kid; an unknown kid refetches once per cooldown; concurrent lookups share a fetch', async () => {
  mode = 'ok';
  fetches = 0;
  let t = 0;
  const jwks = remoteJwks(url, { cooldownMs: 1000, now: () => t });
  await Promise.all([jwks.getKey({ alg: 'ES256', kid: 'k1' }), jwks.getKey({ alg: 'ES256', kid: 'k1' })]);
  expect(fetches).toBe(1);
  await expect(jwks.getKey({ alg: 'ES256', kid: 'nope' })).rejects.toThrow(/unknown kid/);
  expect(fetches).toBe(1); // within the cooldown
  t = 1000;
  await expect(jwks.getKey({ alg: 'ES256', kid: 'nope' })).rejects.toThrow(/unknown kid/);
  expect(fetches).toBe(2);
  // A key whose type does not fit the algorithm is refused, not a crash.
  await expect(jwks.getKey({ alg: 'RS256', kid: 'k1' })).rejects.toThrow(/does not fit/);
});

test('a JWKS that never answers gives up after the timeout with JwksUnavailableError, then fails fast', async () => {
  mode = 'hang';
  const jwks = remoteJwks(url, { timeoutMs: 200, cooldownMs: 60_000 });
  const started = Date.now();
  const error = (await jwks.getKey({ alg: 'ES256', kid: 'k1' }).catch((e) => e)) as Error;
  expect(error).toBeInstanceOf(JwksUnavailableError);
  expect(error.message).toContain('timed out');
  expect(Date.now() - started).toBeLessThan(1000);
  const again = Date.now();
  const second = (await jwks.getKey({ alg: 'ES256', kid: 'k1' }).catch((e) => e)) as Error;
  expect(second).toBeInstanceOf(JwksUnavailableError);
  expect(Date.now() - again).toBeLessThan(50);
});

test('after a failed fetch it retries within 5 s, and recovers', async () => {
  mode = 'fail';
  let t = 0;
  const jwks = remoteJwks(url, { cooldownMs: 60_000, now: () => t });
  expect(await jwks.getKey({ alg: 'ES256', kid: 'k1' }).catch((e) => e)).toBeInstanceOf(JwksUnavailableError);
  mode = 'ok';
  t = 4000;
  expect(await jwks.getKey({ alg: 'ES256', kid: 'k1' }).catch((e) => e)).toBeInstanceOf(JwksUnavailableError);
  t = 5000;
  expect(await jwks.getKey({ alg: 'ES256', kid: 'k1' })).toBeDefined();
});
