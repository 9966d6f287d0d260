import { expect, test } from 'bun:test';
import { compileMethods, hasMethod, normaliseMethod } from './methods.ts';

test('the six standard methods are normalised, others keep their case', () => {
  for (const m of ['delete', 'get', 'head', 'options', 'post', 'put', 'Put', 'dElEtE']) {
    expect(normaliseMethod(m)).toBe(m.toUpperCase());
  }
  expect(normaliseMethod('patch')).toBe('patch');
  expect(normaliseMethod('PATCH')).toBe('PATCH');
  expect(normaliseMethod('Purge')).toBe('Purge');
});

test('compileMethods normalises the six and keeps others case-sensitive', () => {
  const problems: string[] = [];
  const set = compileMethods(['get', 'delete', 'PATCH', 'purge'], 'allow_methods', problems);
  expect(problems).toEqual([]);
  expect([...set]).toEqual(['GET', 'DELETE', 'PATCH', 'purge']);
  expect(hasMethod(set, 'DELETE')).toBe(true);
  expect(hasMethod(set, 'delete')).toBe(true);
  expect(hasMethod(set, 'PATCH')).toBe(true);
  expect(hasMethod(set, 'patch')).toBe(false);
  expect(hasMethod(set, 'PURGE')).toBe(false);
  expect(hasMethod(set, 'purge')).toBe(true);
});

test('forbidden, wildcard and malformed methods are refused, naming the value', () => {
  for (const bad of ['CONNECT', 'trace', 'Track']) {
    const problems: string[] = [];
    compileMethods([bad], 'allow_methods', problems);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`"${bad}"`);
    expect(problems[0]).toContain('forbidden');
  }
  const problems: string[] = [];
  compileMethods(['*', 'GET POST', ''], 'methods', problems);
  expect(problems).toHaveLength(3);
  expect(problems[0]).toContain('"*"');
  expect(problems[1]).toContain('"GET POST"');
  expect(problems.every((p) => p.startsWith('methods:'))).toBe(true);
});
