import { describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import { optionSchemas } from '../../src/testing/plugin-fakes.ts';
import { OptionProblems } from '../../src/plugin-api/index.ts';
import { optionsSchema, resolveOptions } from './options.ts';

const schema = optionsSchema(v, optionSchemas);
const parse = (input: Record<string, unknown>) => v.parse(schema, input);
const messages = (input: Record<string, unknown>) => {
  const r = v.safeParse(schema, input);
  return r.success ? [] : r.issues.map((i) => i.message);
};

describe('optionsSchema', () => {
  test('defaults', () => {
    expect(parse({ prefix: '/api', to: 'http://127.0.0.1:9002' })).toEqual({
      prefix: '/api',
      to: 'http://127.0.0.1:9002',
      strip_prefix: undefined,
      rewrite: undefined,
      set_request_headers: {},
      pass_identity_headers: false,
      timeout: 30_000,
      rewrite_location: true,
      rewrite_cookie_path: true,
      drop_cookie_domain: true,
    } as never);
  });
  test('timeouts, header values, lists', () => {
    const o = parse({ prefix: '/api', to: ['http://a/v2', 'http://b/v2'], timeout: 5, set_request_headers: { 'X-N': 1, 'X-B': true } });
    expect(o.timeout).toBe(5000);
    expect(o.set_request_headers).toEqual({ 'X-N': '1', 'X-B': 'true' });
    expect(parse({ prefix: '/api', to: 'http://a', timeout: '1m30s' }).timeout).toBe(90_000);
  });
  test('refusals name the value', () => {
    expect(messages({ prefix: '/api/', to: 'http://a' }).join()).toContain('"/api/"');
    expect(messages({ prefix: 'api', to: 'http://a' }).join()).toContain('"api"');
    expect(messages({ prefix: '/api', to: 'http://a', rewrite: '/x/../y' }).join()).toContain('"/x/../y"');
    expect(messages({ prefix: '/api', to: 'ftp://a' }).join()).toContain('ftp://a');
    expect(messages({ prefix: '/api', to: 'http://a/?x=1' }).join()).toContain('http://a/?x=1');
    expect(messages({ prefix: '/api', to: 'http://a', timeout: '0s' }).join()).toContain('timeout must be a positive duration');
    expect(messages({ prefix: '/api', to: 'http://a', timeout: 'soon' }).join()).toContain('"soon"');
    expect(messages({ prefix: '/api', to: [] }).length).toBeGreaterThan(0);
    expect(messages({ prefix: '/api', to: 'http://a', strip: true }).length).toBeGreaterThan(0);
  });
});

describe('resolveOptions', () => {
  const base = { prefix: '/api', to: 'http://a/v2' };
  test('replacement from strip_prefix and rewrite', () => {
    expect(resolveOptions(parse(base)).replacement).toBe('');
    expect(resolveOptions(parse({ ...base, strip_prefix: true })).replacement).toBe('');
    expect(resolveOptions(parse({ ...base, strip_prefix: false })).replacement).toBe('/api');
    expect(resolveOptions(parse({ ...base, rewrite: '/internal' })).replacement).toBe('/internal');
    expect(resolveOptions(parse({ ...base, strip_prefix: true, rewrite: '/internal' })).replacement).toBe('/internal');
    expect(resolveOptions(parse({ ...base, rewrite: '/' })).replacement).toBe('');
    expect(resolveOptions(parse({ prefix: '/', to: 'http://a', strip_prefix: false })).replacement).toBe('');
  });
  test('refuses contradictions, naming the value', () => {
    expect(() => resolveOptions(parse({ ...base, strip_prefix: false, rewrite: '/internal' }))).toThrow('rewrite: "/internal"');
    expect(() => resolveOptions(parse({ ...base, prefix: '/.gatehouse' }))).toThrow('"/.gatehouse"');
    expect(() => resolveOptions(parse({ ...base, prefix: '/.gatehouse/x' }))).toThrow('reserved');
    expect(() => resolveOptions(parse({ ...base, prefix: '/.well-known/gatehouse' }))).toThrow('reserved');
  });
  test('refusals are OptionProblems located at the offending key, all of them at once', () => {
    let error: unknown;
    try {
      resolveOptions(parse({ ...base, prefix: '/.gatehouse', strip_prefix: false, rewrite: '/internal' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OptionProblems);
    expect((error as OptionProblems).problems.map((p) => p.at)).toEqual([['rewrite'], ['prefix']]);
  });
  test('header checks name the header, never the value', () => {
    const bad = (headers: Record<string, string>) => () => resolveOptions(parse({ ...base, set_request_headers: headers }));
    expect(bad({ 'X Bad': 'v' })).toThrow('"X Bad"');
    expect(bad({ Host: 'v' })).toThrow('"Host"');
    expect(bad({ 'Content-Length': '1' })).toThrow('"Content-Length"');
    expect(bad({ 'X-Gatehouse-Jwt-Assertion': 'v' })).toThrow('reserved');
    expect(bad({ 'X-Gatehouse-Client-Id': 'ci-bot' })).not.toThrow();
    let message = '';
    try {
      resolveOptions(parse({ ...base, set_request_headers: { 'X-Api-Key': 'top-secret\r\nX-Evil: 1' } }));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('"X-Api-Key"');
    expect(message).not.toContain('top-secret');
  });
  test('resolved shape', () => {
    const r = resolveOptions(parse({ ...base, to: ['http://a', 'http://b'], set_request_headers: { 'X-Api-Key': 'k' }, timeout: '2s' }));
    expect(r.to).toEqual(['http://a', 'http://b']);
    expect(r.headers).toEqual([['X-Api-Key', 'k']]);
    expect(r.timeoutMs).toBe(2000);
    expect(r.mount.segments).toEqual(['api']);
  });
});
