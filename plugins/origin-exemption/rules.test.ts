import { expect, test } from 'bun:test';
import * as v from 'valibot';
import { compileRules, optionsSchema, secretHeaderNames } from './rules.ts';
import { ipServices } from '../../src/http/cidr.ts';
import { pathServices } from '../../src/http/path/index.ts';
import { lenientReader } from './path-glob.ts';

const lenient = lenientReader(pathServices);

function compile(rules: unknown[]) {
  const warnings: string[] = [];
  const compiled = compileRules(v.parse(optionsSchema(v), { rules }), { warn: (m) => warnings.push(m), lenientReading: lenient, ip: ipServices });
  return { compiled, warnings };
}

function refusal(rules: unknown[]): string {
  try {
    compile(rules);
  } catch (error) {
    return (error as Error).message;
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

const refusals: Array<[string, unknown[], string]> = [
  ['* origins', [{ name: 'r', origins: ['*'] }], 'rule "r" origins: "*" is refused'],
  ['null origin', [{ name: 'r', origins: ['null'] }], '"null"'],
  ['an origin with a path', [{ name: 'r', origins: ['https://a.test/x'] }], '"https://a.test/x" has a path'],
  ['an empty origin list', [{ name: 'r', origins: [] }], 'empty'],
  ['TRACE', [{ name: 'r', origins, methods: ['TRACE'] }], 'rule "r" methods: "TRACE"'],
  ['empty methods', [{ name: 'r', origins, methods: [] }], 'rule "r" methods is empty'],
  ['a bad glob', [{ name: 'r', origins, paths: ['api'] }], 'rule "r" paths: "api"'],
  ['a bad CIDR', [{ name: 'r', origins, source_cidrs: ['10.0.0.1/8'] }], 'rule "r" source_cidrs: "10.0.0.1/8"'],
  ['a bad header', [{ name: 'r', origins, require_headers: ['a b'] }], 'rule "r" require_headers: "a b"'],
  ['duplicate names', [{ name: 'r', origins, methods: ['OPTIONS'] }, { name: 'r', origins, methods: ['OPTIONS'] }], 'used twice'],
];
for (const [what, rules, needle] of refusals) {
  test(`refused at load: ${what}`, () => {
    expect(refusal(rules)).toContain(needle);
  });
}

test('the schema refuses unknown keys, missing names and an empty rule list', () => {
  const schema = optionsSchema(v);
  expect(v.safeParse(schema, { rules: [] }).success).toBe(false);
  expect(v.safeParse(schema, { rules: [{ origins }] }).success).toBe(false);
  expect(v.safeParse(schema, { rules: [{ name: '', origins }] }).success).toBe(false);
  expect(v.safeParse(schema, { rules: [{ name: 'r', origins, method: ['GET'] }] }).success).toBe(false);
  expect(v.safeParse(schema, { rules: [{ name: 'r', origins, require_headers: [{ name: 'X', secret: 'y' }] }] }).success).toBe(false);
  expect(v.safeParse(schema, { rules: [], extra: 1 }).success).toBe(false);
});
