import { afterEach, describe, expect, setSystemTime, test } from 'bun:test';
import * as v from 'valibot';
import plugin from './index.ts';
import { fakeContext, fakeNext, fakeServices, instantiate, optionSchemas } from '../../src/testing/plugin-fakes.ts';
import type { TokenVerdict } from '../../src/plugin-api/index.ts';

const schema = plugin.options!(v, optionSchemas);
const parse = (input: unknown) => v.safeParse(schema, input);

test('defaults', () => {
  const r = parse({});
  expect(r.success).toBe(true);
  expect(r.output).toMatchObject({
    header: 'X-Gatehouse-Authorization',
    bearer: true,
    own_tokens: true,
    issuers: [],
    client_id_header: 'X-Gatehouse-Client-Id',
    client_secret_header: 'X-Gatehouse-Client-Secret',
  });
});

test('issuer durations are parsed to milliseconds, with defaults', () => {
  const r = parse({ issuers: [{ issuer: 'https://idp', audience: 'api', jwks_url: 'https://idp/jwks', clock_skew: '1m' }] });
  expect(r.success).toBe(true);
  expect((r.output as { issuers: unknown[] }).issuers[0]).toMatchObject({ clock_skew: 60_000, jwks_timeout: 3000, jwks_cooldown: 30_000, groups_claim: 'groups' });
});

test('refused options', () => {
  const base = { issuer: 'https://idp', audience: 'api' };
  expect(parse({ issuers: [base] }).success).toBe(false); // no key source
  expect(parse({ issuers: [{ ...base, jwks_url: 'https://idp/jwks', secret: 'x'.repeat(40) }] }).success).toBe(false); // two
  expect(parse({ issuers: [{ ...base, secret: 'short' }] }).success).toBe(false);
  expect(parse({ issuers: [{ ...base, jwks_url: 'https://idp/jwks', clock_skew: 'soon' }] }).success).toBe(false);
  expect(parse({ issuers: [{ ...base, jwks_url: 'https://idp/jwks' }, { ...base, public_key: 'pem' }] }).success).toBe(false); // listed twice
  expect(parse({ header: 'Bad Header' }).success).toBe(false);
  expect(parse({ unknown: 1 }).success).toBe(false);
  expect(parse({ client_id_header: 'CF-Access-Client-Id', client_secret_header: 'CF-Access-Client-Secret' }).success).toBe(true);
});

test('credential headers are stripped from every upstream request of the route; Authorization when bearer is on', async () => {
  const stripped = async (options: Record<string, unknown>) => {
    const services = fakeServices();
    await instantiate(plugin, options, services, optionSchemas);
    return services.stripped;
  };
  expect(await stripped({})).toEqual({
    cookies: [],
    headers: ['x-gatehouse-authorization', 'x-gatehouse-client-id', 'x-gatehouse-client-secret', 'authorization'],
  });
  expect((await stripped({ bearer: false, header: 'X-Pomerium-Authorization', client_id_header: 'CF-Access-Client-Id', client_secret_header: 'CF-Access-Client-Secret' })).headers).toEqual([
    'x-pomerium-authorization',
    'cf-access-client-id',
    'cf-access-client-secret',
  ]);
  expect((await stripped({ bearer: false, header: 'Authorization' })).headers).toContain('authorization');
});

test('asks for /.gatehouse/token tokens unless own_tokens is false', async () => {
  const accepts = async (options: Record<string, unknown>) => {
    const services = fakeServices();
    await instantiate(plugin, options, services, optionSchemas);
    return services.capabilities.acceptsIssuedTokens;
  };
  expect(await accepts({})).toBe(true);
  expect(await accepts({ own_tokens: false })).toBe(false);
});

test('external verdicts: retryable is 503 with Retry-After, a refusal 401 with its reason, claims an identity', async () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const token = (claims: Record<string, unknown>) => `${b64({ alg: 'HS256' })}.${b64({ iss: 'https://idp', ...claims })}.sig`;
  const verdicts: Record<string, TokenVerdict> = {
    down: { ok: false, reason: 'issuer keys unavailable: JWKS answered 502', retryable: true },
    bad: { ok: false, reason: 'signature verification failed', retryable: false },
    nosub: { ok: true, claims: { iss: 'https://idp' } },
    good: { ok: true, claims: { iss: 'https://idp', sub: 'u1', email: 'u1@idp.test', roles: ['r'] } },
  };
  const services = fakeServices();
  services.jwt.verifier = () => async (t) => verdicts[JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).case as string]!;
  const { handle } = await instantiate(plugin, { own_tokens: false, issuers: [{ issuer: 'https://idp', audience: 'api', secret: 'x'.repeat(40), groups_claim: 'roles' }] }, services, optionSchemas);
  const run = async (c: string) => {
    const ctx = fakeContext({ headers: { authorization: `Bearer ${token({ case: c })}` } });
    const response = await handle(ctx, fakeNext());
    return { ctx, response, body: (await response.json().catch(() => null)) as Record<string, unknown> | null };
  };
  const down = await run('down');
  expect(down.response.status).toBe(503);
  expect(down.response.headers.get('retry-after')).toBe('5');
  expect(down.body).toMatchObject({ error: 'issuer_unavailable' });
  const bad = await run('bad');
  expect(bad.response.status).toBe(401);
  expect(bad.body).toMatchObject({ error: 'invalid_token', detail: 'signature verification failed' });
  expect((await run('nosub')).body).toMatchObject({ error: 'invalid_token', detail: 'token has no sub' });
  const good = await run('good');
  expect(good.response.status).toBe(200);
  expect(good.ctx.identity).toMatchObject({ subject: 'u1', email: 'u1@idp.test', groups: ['r'], via: 'header-jwt' });
  // The engine's shape rule runs before any verifier.
  const shapeless = await handle(fakeContext({ headers: { authorization: 'Bearer not-a-jwt' } }), fakeNext());
  expect(shapeless.status).toBe(401);
  expect(await shapeless.json()).toMatchObject({ detail: 'not a compact JWS (three base64url parts)' });
});

describe('verified tokens are remembered by their exact string, until their exp', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const NOW = 1_700_000_000;
  const token = (claims: Record<string, unknown>) => `${b64({ alg: 'HS256' })}.${b64({ iss: 'https://idp', sub: 'u1', exp: NOW + 60, ...claims })}.sig`;
  afterEach(() => setSystemTime());

  /** A plugin with one external issuer whose verifier accepts what `accept` says and counts its calls. */
  async function external(accept: (t: string) => boolean = () => true) {
    const asked: string[] = [];
    const services = fakeServices();
    services.jwt.verifier = () => async (t) => {
      asked.push(t);
      const claims = JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      return accept(t) ? { ok: true, claims } : { ok: false, reason: 'signature verification failed', retryable: false };
    };
    const { handle } = await instantiate(plugin, { own_tokens: false, issuers: [{ issuer: 'https://idp', audience: 'api', secret: 'x'.repeat(40) }] }, services, optionSchemas);
    const send = async (authorization: string) => {
      const ctx = fakeContext({ headers: { authorization } });
      return { ctx, response: await handle(ctx, fakeNext()) };
    };
    return { asked, send };
  }

  test('a repeat token is judged once; the request keeps its headers (the proxy strips them)', async () => {
    setSystemTime(new Date(NOW * 1000));
    const { asked, send } = await external();
    const t = token({});
    for (const spelled of [`Bearer ${t}`, `Bearer ${t}`, `bearer   ${t}`]) {
      const { ctx, response } = await send(spelled);
      expect(response.status).toBe(200);
      expect(ctx.identity).toMatchObject({ subject: 'u1', via: 'header-jwt' });
      expect(ctx.request.headers.get('authorization')).toBe(spelled);
    }
    expect(asked).toEqual([t]);
  });

  test('the remembered verdict ends at exp: the token is judged again, and refused once expired', async () => {
    setSystemTime(new Date(NOW * 1000));
    let valid = true;
    const { asked, send } = await external(() => valid);
    const t = token({});
    expect((await send(`Bearer ${t}`)).response.status).toBe(200);
    setSystemTime(new Date((NOW + 59) * 1000));
    expect((await send(`Bearer ${t}`)).response.status).toBe(200);
    expect(asked).toHaveLength(1);
    setSystemTime(new Date((NOW + 60) * 1000));
    valid = false;
    expect((await send(`Bearer ${t}`)).response.status).toBe(401);
    expect(asked).toHaveLength(2);
  });

  test('a token differing in one byte, a refused token and one without exp are never taken from memory', async () => {
    setSystemTime(new Date(NOW * 1000));
    const { asked, send } = await external((t) => !t.endsWith('bad'));
    const t = token({});
    expect((await send(`Bearer ${t}`)).response.status).toBe(200);
    expect((await send(`Bearer ${t}bad`)).response.status).toBe(401);
    expect((await send(`Bearer ${t}bad`)).response.status).toBe(401);
    const noExp = token({ exp: undefined });
    expect((await send(`Bearer ${noExp}`)).response.status).toBe(200);
    expect((await send(`Bearer ${noExp}`)).response.status).toBe(200);
    expect(asked).toEqual([t, `${t}bad`, `${t}bad`, noExp, noExp]);
  });

  test("Gatehouse's own token is checked by verifyOwn on every request, so a revoked session is refused at once", async () => {
    setSystemTime(new Date(NOW * 1000));
    let revoked = false;
    const asked: string[] = [];
    const services = fakeServices();
    services.jwt.verifyOwn = async (t) => (asked.push(t), revoked ? null : { subject: 'alice', kind: 'user', groups: [], claims: { exp: NOW + 60 }, via: 'gatehouse' });
    const { handle } = await instantiate(plugin, {}, services, optionSchemas);
    const t = token({ iss: 'https://auth.example.test' });
    const send = async () => (await handle(fakeContext({ headers: { 'x-gatehouse-authorization': t } }), fakeNext())).status;
    expect(await send()).toBe(200);
    expect(await send()).toBe(200);
    revoked = true;
    expect(await send()).toBe(401);
    expect(asked).toEqual([t, t, t]);
  });
});
