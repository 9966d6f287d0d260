import { expect, test } from 'bun:test';
import type { OptionProblem } from '../../src/plugin-api/index.ts';
import { compileMethods, hasMethod, normaliseMethod } from './methods.ts';

test('the six standard methods are normalised, others keep their case', () => {
  for (const m of ['delete', 'get', 'head', 'options', 'post', 'put', 'Put', 'dElEtE', 'GET', 'PUT', 'OPTIONS']) {
    expect(normaliseMethod(m)).toBe(m.toUpperCase());
  }
  expect(normaliseMethod('patch')).toBe('patch');
  expect(normaliseMethod('PATCH')).toBe('PATCH');
  expect(normaliseMethod('Purge')).toBe('Purge');
});

test('compileMethods normalises the six and keeps others case-sensitive', () => {
  const problems: OptionProblem[] = [];
  const set = compileMethods(['get', 'delete', 'PATCH', 'purge'], 'allow_methods', problems, ['allow_methods']);
  expect(problems).toEqual([]);
  expect([...set]).toEqual(['GET', 'DELETE', 'PATCH', 'purge']);
  expect(hasMethod(set, 'DELETE')).toBe(true);
  expect(hasMethod(set, 'delete')).toBe(true);
  expect(hasMethod(set, 'PATCH')).toBe(true);
  expect(hasMethod(set, 'patch')).toBe(false);
  expect(hasMethod(set, 'PURGE')).toBe(false);
  expect(hasMethod(set, 'purge')).toBe(true);
});

test('forbidden, wildcard and malformed methods are refused, naming the value, located at it', () => {
  for (const bad of ['CONNECT', 'trace', 'Track']) {
    const problems: OptionProblem[] = [];
    compileMethods(['GET', bad], 'allow_methods', problems, ['allow_methods']);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.at).toEqual(['allow_methods', 1]);
    expect(problems[0]!.message).toContain(`"${bad}"`);
    expect(problems[0]!.message).toContain('forbidden');
  }
  const problems: OptionProblem[] = [];
  compileMethods(['*', 'GET POST', ''], 'methods', problems, ['rules', 2, 'methods']);
  expect(problems).toHaveLength(3);
  expect(problems[0]!.message).toContain('"*"');
  expect(problems[1]!.message).toContain('"GET POST"');
  expect(problems.every((p) => p.message.startsWith('methods:'))).toBe(true);
  expect(problems.map((p) => p.at)).toEqual([0, 1, 2].map((i) => ['rules', 2, 'methods', i]));
});
