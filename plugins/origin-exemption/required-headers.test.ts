import { expect, test } from 'bun:test';
import type { OptionProblem } from '../../src/plugin-api/index.ts';
import { compileRequiredHeaders, hasRequiredHeaders } from './required-headers.ts';

function required(specs: Parameters<typeof compileRequiredHeaders>[0]) {
  const problems: OptionProblem[] = [];
  const compiled = compileRequiredHeaders(specs, 'require_headers', problems, ['require_headers']);
  expect(problems).toEqual([]);
  return compiled;
}

const comparisons: Array<[string, string]> = [];
const equal = (a: string, b: string) => {
  comparisons.push([a, b]);
  return a === b;
};

test('a bare name needs the header present and non-empty, in any case', () => {
  const r = required(['X-Secret-Auth']);
  expect(hasRequiredHeaders(r, new Headers({ 'x-secret-auth': 'anything' }), equal)).toBe(true);
  expect(hasRequiredHeaders(r, new Headers({ 'X-SECRET-AUTH': 'a' }), equal)).toBe(true);
  expect(hasRequiredHeaders(r, new Headers({ 'x-secret-auth': '' }), equal)).toBe(false);
  expect(hasRequiredHeaders(r, new Headers({ 'x-secret-auth': '   ' }), equal)).toBe(false);
  expect(hasRequiredHeaders(r, new Headers(), equal)).toBe(false);
});

test('a { name, value } entry compares the value with the constant-time function', () => {
  const r = required([{ name: 'X-Api-Key', value: 's3cret' }]);
  comparisons.length = 0;
  expect(hasRequiredHeaders(r, new Headers({ 'x-api-key': 's3cret' }), equal)).toBe(true);
  expect(hasRequiredHeaders(r, new Headers({ 'x-api-key': 's3creT' }), equal)).toBe(false);
  expect(comparisons).toEqual([['s3cret', 's3cret'], ['s3creT', 's3cret']]);
  expect(hasRequiredHeaders(r, new Headers(), equal)).toBe(false);
});

test('every requirement must hold', () => {
  const r = required(['X-A', { name: 'X-B', value: 'b' }]);
  expect(hasRequiredHeaders(r, new Headers({ 'x-a': '1', 'x-b': 'b' }), equal)).toBe(true);
  expect(hasRequiredHeaders(r, new Headers({ 'x-a': '1' }), equal)).toBe(false);
  expect(hasRequiredHeaders(r, new Headers({ 'x-b': 'b' }), equal)).toBe(false);
});

test('bad entries are refused without echoing the secret, located at the entry or its key', () => {
  const problems: OptionProblem[] = [];
  const at = ['rules', 0, 'require_headers'];
  compileRequiredHeaders(['bad name', { name: 'X-Key', value: '' }, { name: 'x y', value: 'hunter2' }], 'rule "r" require_headers', problems, at);
  expect(problems).toHaveLength(3);
  expect(problems[0]!.message).toContain('"bad name"');
  expect(problems[1]!.message).toContain('empty');
  expect(problems.map((p) => p.message).join(' ')).not.toContain('hunter2');
  expect(problems.map((p) => p.at)).toEqual([[...at, 0], [...at, 1, 'value'], [...at, 2, 'name']]);
  const empty: OptionProblem[] = [];
  compileRequiredHeaders([], 'require_headers', empty, at);
  expect(empty[0]).toEqual({ at, message: expect.stringContaining('empty') });
});
