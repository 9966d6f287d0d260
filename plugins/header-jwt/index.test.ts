import { expect, test } from 'bun:test';
import * as v from 'valibot';
import { optionSchemas } from '../../src/gateway/route-pipeline.ts';
import plugin from './index.ts';
import { fakeServices, instantiate } from '../../src/testing/plugin-fakes.ts';

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
