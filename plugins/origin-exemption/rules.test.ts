import { expect, test } from 'bun:test';
import * as v from 'valibot';
import { OptionProblems } from '../../src/plugin-api/index.ts';
import { compileRules, optionsSchema, secretHeaderNames } from './rules.ts';
import { fakeServices } from '../../src/testing/plugin-fakes.ts';
import { lenientReader } from './path-glob.ts';

const { paths: pathServices, ip: ipServices } = fakeServices();
const lenient = lenientReader(pathServices);

function compile(rules: unknown[]) {
  const warnings: string[] = [];
  const compiled = compileRules(v.parse(optionsSchema(v), { rules }), { warn: (m) => warnings.push(m), lenientReading: lenient, ip: ipServices });
  return { compiled, warnings };
}

function refusal(rules: unknown[]): OptionProblems {
  try {
    compile(rules);
  } catch (error) {
    expect(error).toBeInstanceOf(OptionProblems);
    return error as OptionProblems;
  }
  throw new Error('expected a refusal');
}

const origins = ['https://app.example.test'];

test('a rule limited to OPTIONS draws no warning', () => {
  expect(compile([{ name: 'preflights', origins, methods: ['OPTIONS'] }]).warnings).toEqual([]);
  expect(compile([{ name: 'preflights', origins, methods: ['options'] }]).warnings).toEqual([]);
});

test('a rule admitting other methods with no header or CIDR warns, naming rule, methods and origins', () => {
  const { warnings } = compile([{ name: 'api', origins, methods: ['OPTIONS', 'GET'] }]);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('rule "api"');
  expect(warnings[0]).toContain('OPTIONS, GET');
  expect(warnings[0]).toContain('https://app.example.test');
  const all = compile([{ name: 'all', origins }]).warnings;
  expect(all[0]).toContain('every method');
});

test('a secret-valued header or source_cidrs silence the warnings', () => {
  expect(compile([{ name: 'a', origins, methods: ['GET'], require_headers: [{ name: 'X-Api-Key', value: 'k' }] }]).warnings).toEqual([]);
  expect(compile([{ name: 'b', origins, source_cidrs: ['10.0.0.0/8'] }]).warnings).toEqual([]);
  expect(compile([{ name: 'c', origins, require_headers: ['X-Requested-With'], source_cidrs: ['10.0.0.0/8'] }]).warnings).toEqual([]);
  expect(compile([{ name: 'd', origins, require_headers: ['X-Requested-With', { name: 'X-Api-Key', value: 'k' }] }]).warnings).toEqual([]);
});

test('presence-only require_headers warn: the header is no secret', () => {
  const { warnings } = compile([{ name: 'xrw', origins, methods: ['GET', 'POST'], require_headers: ['X-Requested-With'] }]);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('rule "xrw" require_headers X-Requested-With only checks that the header is present');
  expect(warnings[0]).toContain('any non-browser client can send it');
  expect(warnings[0]).toContain('{ name, value }');
});

test('secretHeaderNames lists the lowercased names of secret-valued headers, once', () => {
  const { compiled } = compile([
    { name: 'a', origins, require_headers: ['X-Requested-With', { name: 'X-Api-Key', value: 'k' }] },
    { name: 'b', origins, require_headers: [{ name: 'x-api-key', value: 'other' }, { name: 'X-Tenant-Key', value: 't' }] },
  ]);
  expect(secretHeaderNames(compiled)).toEqual(['x-api-key', 'x-tenant-key']);
});

test('unset conditions compile to null (match everything)', () => {
  const [rule] = compile([{ name: 'r', origins, methods: ['OPTIONS'] }]).compiled;
  expect(rule!.paths).toBeNull();
  expect(rule!.headers).toBeNull();
  expect(rule!.cidrs).toBeNull();
  expect([...rule!.methods!]).toEqual(['OPTIONS']);
});

const refusals: Array<[string, unknown[], string, (string | number)[]]> = [
  ['* origins', [{ name: 'r', origins: [origins[0], '*'] }], 'rule "r" origins: "*" is refused', ['rules', 0, 'origins', 1]],
  ['null origin', [{ name: 'r', origins: ['null'] }], '"null"', ['rules', 0, 'origins', 0]],
  ['an origin with a path', [{ name: 'r', origins: ['https://a.test/x'] }], '"https://a.test/x" has a path', ['rules', 0, 'origins', 0]],
  ['an empty origin list', [{ name: 'r', origins: [] }], 'empty', ['rules', 0, 'origins']],
  ['TRACE', [{ name: 'r', origins, methods: ['GET', 'TRACE'] }], 'rule "r" methods: "TRACE"', ['rules', 0, 'methods', 1]],
  ['empty methods', [{ name: 'r', origins, methods: [] }], 'rule "r" methods is empty', ['rules', 0, 'methods']],
  ['a bad glob', [{ name: 'r', origins, paths: ['api'] }], 'rule "r" paths: "api"', ['rules', 0, 'paths', 0]],
  ['a bad CIDR', [{ name: 'r', origins, source_cidrs: ['10.0.0.0/8', '10.0.0.1/8'] }], 'rule "r" source_cidrs: "10.0.0.1/8"', ['rules', 0, 'source_cidrs', 1]],
  ['an empty CIDR list', [{ name: 'r', origins, source_cidrs: [] }], 'rule "r" source_cidrs is empty', ['rules', 0, 'source_cidrs']],
  ['a bad header', [{ name: 'r', origins, require_headers: ['a b'] }], 'rule "r" require_headers: "a b"', ['rules', 0, 'require_headers', 0]],
  ['duplicate names', [{ name: 'r', origins, methods: ['OPTIONS'] }, { name: 'r', origins, methods: ['OPTIONS'] }], 'used twice', ['rules', 1, 'name']],
];
for (const [what, rules, needle, at] of refusals) {
  test(`refused at load: ${what}, located at ${at.join('.')}`, () => {
    const error = refusal(rules);
    expect(error.message).toContain(needle);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.at).toEqual(at);
  });
}

test('every problem of every rule is reported at once, each at its own place', () => {
  const error = refusal([
    { name: 'a', origins: ['null'], methods: ['TRACE'], source_cidrs: ['nope', '10.0.0.0/8', '::1/200'] },
    { name: 'b', origins, methods: ['OPTIONS'], paths: ['/ok/**', 'x'] },
  ]);
  expect(error.problems.map((p) => p.at)).toEqual([
    ['rules', 0, 'origins', 0],
    ['rules', 0, 'methods', 0],
    ['rules', 0, 'source_cidrs', 0],
    ['rules', 0, 'source_cidrs', 2],
    ['rules', 1, 'paths', 1],
  ]);
});

test('the schema refuses unknown keys, missing names and an empty rule list', () => {
  const schema = optionsSchema(v);
  expect(v.safeParse(schema, { rules: [] }).success).toBe(false);
  expect(v.safeParse(schema, { rules: [{ origins }] }).success).toBe(false);
  expect(v.safeParse(schema, { rules: [{ name: '', origins }] }).success).toBe(false);
  expect(v.safeParse(schema, { rules: [{ name: 'r', origins, method: ['GET'] }] }).success).toBe(false);
  expect(v.safeParse(schema, { rules: [{ name: 'r', origins, require_headers: [{ name: 'X', secret: 'y' }] }] }).success).toBe(false);
  expect(v.safeParse(schema, { rules: [], extra: 1 }).success).toBe(false);
});
