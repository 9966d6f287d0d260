import { describe, expect, test } from 'bun:test';
import { compileMount, isUnderMountPath, mountPathProblem, startsWithMount } from './mount.ts';

describe('mountPathProblem', () => {
  test('accepts ordinary prefixes', () => {
    for (const p of ['/', '/api', '/api/v1', '/a-b_c.d~e', "/x!$&'()*+,=:@"]) expect(mountPathProblem(p)).toBeNull();
  });
  test('refuses unsafe or ambiguous ones', () => {
    expect(mountPathProblem('api')).toContain('start with /');
    expect(mountPathProblem('/api/')).toContain('end with /');
    expect(mountPathProblem('/a//b')).toContain('//');
    expect(mountPathProblem('/a/../b')).toContain('..');
    expect(mountPathProblem('/a/.')).toContain('.');
    expect(mountPathProblem('/%61pi')).toContain('%61pi');
    expect(mountPathProblem('/a;b')).toContain('a;b');
    expect(mountPathProblem('/a b')).not.toBeNull();
    expect(mountPathProblem('/a?b')).not.toBeNull();
    expect(mountPathProblem('/a\\b')).not.toBeNull();
    expect(mountPathProblem('')).not.toBeNull();
  });
});

describe('compileMount', () => {
  test('splits segments', () => {
    expect(compileMount('/api/v1').segments).toEqual(['api', 'v1']);
    expect(compileMount('/').segments).toEqual([]);
  });
  test('throws naming the value', () => expect(() => compileMount('/api/')).toThrow('"/api/"'));
});

describe('startsWithMount / isUnderMountPath', () => {
  test('segment boundaries', () => {
    const m = compileMount('/api');
    expect(startsWithMount(['api'], m)).toBe(true);
    expect(startsWithMount(['api', 'x'], m)).toBe(true);
    expect(startsWithMount(['apix'], m)).toBe(false);
    expect(startsWithMount([''], m)).toBe(false);
    expect(startsWithMount([''], compileMount('/'))).toBe(true);
  });
  test('plain paths', () => {
    expect(isUnderMountPath('/api', '/api')).toBe(true);
    expect(isUnderMountPath('/api/', '/api')).toBe(true);
    expect(isUnderMountPath('/api/x', '/api')).toBe(true);
    expect(isUnderMountPath('/apix', '/api')).toBe(false);
    expect(isUnderMountPath('/x', '/')).toBe(true);
    expect(isUnderMountPath('x', '/')).toBe(false);
  });
});
