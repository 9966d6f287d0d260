import { expect, test } from 'bun:test';
import * as v from 'valibot';
import preflight from './index.ts';
import { compilePolicy, optionsSchema, type PreflightOptions } from './config.ts';
import { OptionProblems } from '../../src/plugin-api/index.ts';
import { instantiate } from '../../src/testing/plugin-fakes.ts';

function compile(options: PreflightOptions) {
  const warnings: string[] = [];
  const policy = compilePolicy(options, (m) => warnings.push(m));
  return { policy, warnings };
}

function refusal(options: Record<string, unknown>): string {
  try {
    compilePolicy(v.parse(optionsSchema(v), options), () => {});
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(options)} to be refused`);
}

const origin = ['https://app.example.test'];

test('defaults: respond, GET HEAD POST, no headers, no credentials, no max age', () => {
  const { policy } = compile({ allow_origins: origin });
  expect(policy.mode).toBe('respond');
  expect([...policy.methods.names]).toEqual(['GET', 'HEAD', 'POST']);
  expect(policy.methods.any).toBe(false);
  expect(policy.headers.names.size).toBe(0);
  expect(policy.credentials).toBe(false);
  expect(policy.privateNetwork).toBe(false);
  expect(policy.exposeHeaders).toBe('');
  expect(Object.fromEntries(policy.preflightHeaders)).toEqual({
    'access-control-allow-methods': 'GET, HEAD, POST',
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  });
});

test('the fixed preflight headers are built once from the options', () => {
  const { policy } = compile({
    allow_origins: origin,
    allow_methods: ['put', 'PATCH'],
    allow_credentials: true,
    max_age: 600,
    allow_private_network: true,
  });
  expect(Object.fromEntries(policy.preflightHeaders)).toEqual({
    'access-control-allow-methods': 'PUT, PATCH',
    'access-control-allow-credentials': 'true',
    'access-control-max-age': '600',
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network',
  });
});

test('with *, Vary leaves Origin out (the answer does not depend on it)', () => {
  const { policy } = compile({ allow_origins: ['*'] });
  expect(policy.preflightVary).toBe('Access-Control-Request-Method, Access-Control-Request-Headers');
});

test('allow_methods *: the literal * without credentials, nothing fixed with them (the request is named back)', () => {
  const open = compile({ allow_origins: origin, allow_methods: ['PUT', '*'] }).policy;
  expect(open.methods.any).toBe(true);
  expect(Object.fromEntries(open.preflightHeaders)['access-control-allow-methods']).toBe('*');
  const credentialed = compile({ allow_origins: origin, allow_methods: ['*'], allow_headers: ['*'], allow_credentials: true });
  expect(credentialed.warnings).toEqual([]);
  expect(Object.fromEntries(credentialed.policy.preflightHeaders)['access-control-allow-methods']).toBeUndefined();
  expect(credentialed.policy.headers.any).toBe(true);
});

test('a bad method next to * is still refused, located at its own index', () => {
  let error: unknown;
  try {
    compilePolicy(v.parse(optionsSchema(v), { allow_origins: origin, allow_methods: ['*', 'GET', 'TRACE', '*', 'bad method'] }), () => {});
  } catch (e) {
    error = e;
  }
  expect((error as OptionProblems).problems.map((p) => p.at)).toEqual([['allow_methods', 2], ['allow_methods', 4]]);
});

test('max_age 0 is sent; no allow_methods header when the list is empty', () => {
  const { policy } = compile({ allow_origins: origin, max_age: 0, allow_methods: [] });
  const h = Object.fromEntries(policy.preflightHeaders);
  expect(h['access-control-max-age']).toBe('0');
  expect(h['access-control-allow-methods']).toBeUndefined();
});

test('max_age above 7200 warns, above 86400 is refused, negative is refused', () => {
  expect(compile({ allow_origins: origin, max_age: 7200 }).warnings).toEqual([]);
  const { warnings } = compile({ allow_origins: origin, max_age: 7201 });
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('7201');
  expect(compile({ allow_origins: origin, max_age: 86400 }).warnings).toHaveLength(1);
  expect(refusal({ allow_origins: origin, max_age: 86401 })).toContain('max_age 86401');
  expect(refusal({ allow_origins: origin, max_age: -1 })).toContain('max_age -1');
});

const refusals: Array<[string, Record<string, unknown>, string]> = [
  ['* with credentials', { allow_origins: ['*'], allow_credentials: true }, 'allow_origins: "*"'],
  ['null', { allow_origins: ['null'] }, '"null"'],
  ['a path', { allow_origins: ['https://app.example.test/app'] }, '"https://app.example.test/app" has a path'],
  ['a query', { allow_origins: ['https://app.example.test?a'] }, 'query'],
  ['a trailing slash', { allow_origins: ['https://app.example.test/'] }, 'trailing slash'],
  ['userinfo', { allow_origins: ['https://u@app.example.test'] }, 'userinfo'],
  ['an explicit default port', { allow_origins: ['https://app.example.test:443'] }, 'default port'],
  ['an uppercase host', { allow_origins: ['https://App.Example.test'] }, 'uppercase host'],
  ['an inner wildcard', { allow_origins: ['https://app.*.test'] }, 'leading "*."'],
  ['CONNECT', { allow_origins: origin, allow_methods: ['CONNECT'] }, '"CONNECT"'],
  ['TRACE', { allow_origins: origin, allow_methods: ['TRACE'] }, '"TRACE"'],
  ['TRACK', { allow_origins: origin, allow_methods: ['track'] }, '"track"'],
  ['a forbidden header', { allow_origins: origin, allow_headers: ['Cookie'] }, '"Cookie"'],
  ['expose * with credentials', { allow_origins: origin, expose_headers: ['*'], allow_credentials: true }, 'expose_headers'],
  ['an empty origin list', { allow_origins: [] }, 'empty'],
  ['respond options in forward mode', { mode: 'forward', allow_origins: origin, allow_methods: ['PUT'] }, 'allow_methods has no effect with mode: forward'],
];

for (const [what, options, needle] of refusals) {
  test(`refused at load: ${what}`, () => {
    expect(refusal(options)).toContain(needle);
  });
}

test('every problem is reported at once', () => {
  const message = refusal({ allow_origins: ['null', 'https://a.test/'], allow_methods: ['TRACE'] });
  expect(message.split('\n')).toHaveLength(3);
});

test('problems are OptionProblems located at the offending item or key', () => {
  let error: unknown;
  try {
    compilePolicy(
      v.parse(optionsSchema(v), {
        allow_origins: ['https://ok.test', 'null', '*'],
        allow_credentials: true,
        allow_methods: ['GET', 'TRACE'],
        allow_headers: ['Cookie'],
        expose_headers: ['X-Ok', 'Set-Cookie'],
        max_age: -1,
      }),
      () => {},
    );
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(OptionProblems);
  expect((error as OptionProblems).problems.map((p) => p.at)).toEqual([
    ['allow_origins', 2],
    ['allow_methods', 1],
    ['allow_headers', 0],
    ['expose_headers', 1],
    ['max_age'],
  ]);
  const forward = () => compilePolicy(v.parse(optionsSchema(v), { mode: 'forward', allow_origins: origin, max_age: 5 }), () => {});
  expect(forward).toThrow(OptionProblems);
  try {
    forward();
  } catch (e) {
    expect((e as OptionProblems).problems.map((p) => p.at)).toEqual([['max_age']]);
  }
});

test('forward mode accepts * (every preflight skips auth, as Cloudflare "bypass OPTIONS")', () => {
  expect(compile({ mode: 'forward', allow_origins: ['*'] }).policy.mode).toBe('forward');
});

test('the schema refuses unknown keys and wrong types', () => {
  const schema = optionsSchema(v);
  expect(v.safeParse(schema, { allow_origins: origin, allow_origin: origin }).success).toBe(false);
  expect(v.safeParse(schema, { allow_origins: origin, max_age: '600' }).success).toBe(false);
  expect(v.safeParse(schema, { allow_origins: origin, max_age: 1.5 }).success).toBe(false);
  expect(v.safeParse(schema, { allow_origins: origin, mode: 'proxy' }).success).toBe(false);
  expect(v.safeParse(schema, {}).success).toBe(false);
});

test('create throws the refusal and passes warnings to services.warn', async () => {
  await expect(instantiate(preflight, { allow_origins: ['null'] })).rejects.toThrow('"null"');
  const { services } = await instantiate(preflight, { allow_origins: origin, max_age: 10_000 });
  expect(services.warnings).toHaveLength(1);
  expect(services.warnings[0]).toContain('max_age 10000');
});
