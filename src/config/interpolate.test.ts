import { describe, expect, test } from 'bun:test';
import { interpolate, resolveReference } from './interpolate.ts';

describe('interpolate', () => {
  test('replaces ${VAR} with the environment value, anywhere in the string', () => {
    expect(interpolate('${A}', { A: 'one' })).toEqual({ value: 'one', missing: [] });
    expect(interpolate('Bearer ${TOKEN}!', { TOKEN: 'abc' })).toEqual({ value: 'Bearer abc!', missing: [] });
    expect(interpolate('${A}-${B}', { A: '1', B: '2' }).value).toBe('1-2');
  });

  test('an empty value is a value, not a missing variable', () => {
    expect(interpolate('x${E}y', { E: '' })).toEqual({ value: 'xy', missing: [] });
  });

  test('a missing variable is reported by name', () => {
    expect(interpolate('${NOT_SET_ANYWHERE}', {}).missing).toEqual(['NOT_SET_ANYWHERE']);
    expect(interpolate('${A} ${B} ${C}', { B: 'b' }).missing).toEqual(['A', 'C']);
  });

  test('${VAR:-default} falls back only when the variable is unset', () => {
    expect(interpolate('${PORT:-8080}', {})).toEqual({ value: '8080', missing: [] });
    expect(interpolate('${PORT:-8080}', { PORT: '9000' }).value).toBe('9000');
  });

  test('$$ is a literal dollar, so argon2 hashes and prices survive', () => {
    expect(interpolate('$$5 and $${A}', { A: 'x' }).value).toBe('$5 and ${A}');
  });

  test('text without references is returned as is, including lone $ signs', () => {
    const hash = '$argon2id$v=19$m=65536,t=2,p=1$abc';
    expect(interpolate(hash, {})).toEqual({ value: hash, missing: [] });
    expect(interpolate('${not a ref}', {}).value).toBe('${not a ref}');
  });
});

describe('resolveReference', () => {
  test('reads one reference the way interpolate does', () => {
    expect(resolveReference('A', { A: 'one' })).toEqual({ value: 'one', missing: [] });
    expect(resolveReference('A:-two', {})).toEqual({ value: 'two', missing: [] });
    expect(resolveReference('A:-', {})).toEqual({ value: '', missing: [] });
    expect(resolveReference('A', {})).toEqual({ value: '', missing: ['A'] });
  });

  test('anything that is not the inside of one ${…} is refused', () => {
    for (const bad of ['', '1A', 'A B', '${A}', 'A}${B', 'A:-x}']) expect(resolveReference(bad, { A: 'a', B: 'b' })).toBeNull();
  });
});
