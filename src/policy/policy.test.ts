import { describe, expect, test } from 'bun:test';
import type { Identity } from '../plugin-api/index.ts';
import { evaluatePolicy } from './policy.ts';

const user = (over: Partial<Identity> = {}): Identity => ({
  subject: 'u1',
  kind: 'user',
  email: 'Alice@Example.test',
  groups: ['dev'],
  claims: { department: 'eng', roles: ['reader', 'writer'], level: 3 },
  via: 'trust-cookie',
  ...over,
});
const service: Identity = { subject: 'service:ci', kind: 'service', groups: [], claims: {}, via: 'header-jwt' };

describe('evaluatePolicy', () => {
  test('no policy or an empty one admits nobody', () => {
    expect(evaluatePolicy(undefined, user())).toBe('deny');
    expect(evaluatePolicy({}, user())).toBe('deny');
    expect(evaluatePolicy({ allow: {} }, user())).toBe('deny');
  });

  test('public admits everyone, signed in or not', () => {
    expect(evaluatePolicy({ public: true }, null)).toBe('allow');
    expect(evaluatePolicy({ public: false, allow_any_authenticated_user: true }, null)).toBe('deny');
  });

  test('allow_any_authenticated_user admits users, not anonymous callers or services', () => {
    expect(evaluatePolicy({ allow_any_authenticated_user: true }, user())).toBe('allow');
    expect(evaluatePolicy({ allow_any_authenticated_user: true }, null)).toBe('deny');
    expect(evaluatePolicy({ allow_any_authenticated_user: true }, service)).toBe('deny');
  });

  test('emails match case-insensitively and exactly', () => {
    expect(evaluatePolicy({ allow: { emails: ['alice@example.test'] } }, user())).toBe('allow');
    expect(evaluatePolicy({ allow: { emails: ['bob@example.test'] } }, user())).toBe('deny');
    expect(evaluatePolicy({ allow: { emails: ['alice@example.test'] } }, user({ email: 'alice@example.test.evil.test' }))).toBe('deny');
    expect(evaluatePolicy({ allow: { emails: ['alice@example.test'] } }, user({ email: undefined }))).toBe('deny');
  });

  test('domains match the whole email domain', () => {
    expect(evaluatePolicy({ allow: { domains: ['example.test'] } }, user())).toBe('allow');
    expect(evaluatePolicy({ allow: { domains: ['@example.test'] } }, user())).toBe('allow');
    expect(evaluatePolicy({ allow: { domains: ['example.test'] } }, user({ email: 'a@sub.example.test' }))).toBe('deny');
    expect(evaluatePolicy({ allow: { domains: ['example.test'] } }, user({ email: 'a@evilexample.test' }))).toBe('deny');
    expect(evaluatePolicy({ allow: { domains: ['example.test'] } }, user({ email: 'example.test' }))).toBe('deny');
  });

  test('groups: any shared group', () => {
    expect(evaluatePolicy({ allow: { groups: ['ops', 'dev'] } }, user())).toBe('allow');
    expect(evaluatePolicy({ allow: { groups: ['ops'] } }, user())).toBe('deny');
  });

  test('claims: equal, contained in a list claim, or one of listed values', () => {
    expect(evaluatePolicy({ allow: { claims: { department: 'eng' } } }, user())).toBe('allow');
    expect(evaluatePolicy({ allow: { claims: { department: 'sales' } } }, user())).toBe('deny');
    expect(evaluatePolicy({ allow: { claims: { roles: 'writer' } } }, user())).toBe('allow');
    expect(evaluatePolicy({ allow: { claims: { department: ['sales', 'eng'] } } }, user())).toBe('allow');
    expect(evaluatePolicy({ allow: { claims: { level: 3 } } }, user())).toBe('allow');
    expect(evaluatePolicy({ allow: { claims: { missing: 'x' } } }, user())).toBe('deny');
    expect(evaluatePolicy({ allow: { claims: { toString: 'x' } } }, user())).toBe('deny');
  });

  test('services only by name', () => {
    expect(evaluatePolicy({ allow: { services: ['ci'] } }, service)).toBe('allow');
    expect(evaluatePolicy({ allow: { services: ['deploy'] } }, service)).toBe('deny');
    expect(evaluatePolicy({ allow: { services: ['ci'] } }, user({ subject: 'service:ci' }))).toBe('deny');
    expect(evaluatePolicy({ allow: { groups: ['dev'] } }, { ...service, groups: ['dev'] })).toBe('deny');
  });
});
