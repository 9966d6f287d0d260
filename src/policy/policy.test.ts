import { describe, expect, test } from 'bun:test';
import type { Identity } from '../plugin-api/index.ts';
import { evaluatePolicy, judgePolicy } from './policy.ts';
import { denialOf, recordDenial } from './denials.ts';

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

describe('judgePolicy: the reason behind the verdict', () => {
  test('what admitted', () => {
    expect(judgePolicy({ public: true }, null)).toEqual({ outcome: 'allow', rule: 'public' });
    expect(judgePolicy({ allow_any_authenticated_user: true }, user())).toEqual({ outcome: 'allow', rule: 'allow_any_authenticated_user' });
    expect(judgePolicy({ allow: { emails: ['alice@example.test'], groups: ['dev'] } }, user())).toEqual({ outcome: 'allow', rule: 'emails' });
    expect(judgePolicy({ allow: { domains: ['example.test'] } }, user())).toEqual({ outcome: 'allow', rule: 'domains' });
    expect(judgePolicy({ allow: { groups: ['dev'] } }, user())).toEqual({ outcome: 'allow', rule: 'groups' });
    expect(judgePolicy({ allow: { claims: { department: 'eng' } } }, user())).toEqual({ outcome: 'allow', rule: 'claims' });
    expect(judgePolicy({ allow: { services: ['ci'] } }, service)).toEqual({ outcome: 'allow', rule: 'services' });
  });

  test('no policy, or one without a way in, is no_policy', () => {
    expect(judgePolicy(undefined, user())).toEqual({ outcome: 'deny', reason: 'no_policy', rules: [] });
    expect(judgePolicy({}, service)).toEqual({ outcome: 'deny', reason: 'no_policy', rules: [] });
    expect(judgePolicy({ public: false, allow: { emails: [], claims: {} } }, user())).toEqual({ outcome: 'deny', reason: 'no_policy', rules: [] });
  });

  test('nobody signed in is unauthenticated', () => {
    expect(judgePolicy({ allow_any_authenticated_user: true }, null)).toMatchObject({ outcome: 'deny', reason: 'unauthenticated' });
  });

  test('a service on a route for users only is service_not_allowed, naming the user rules', () => {
    expect(judgePolicy({ allow_any_authenticated_user: true }, service)).toEqual({
      outcome: 'deny',
      reason: 'service_not_allowed',
      rules: ['allow_any_authenticated_user'],
    });
    expect(judgePolicy({ allow: { groups: ['dev'] } }, { ...service, groups: ['dev'] })).toEqual({ outcome: 'deny', reason: 'service_not_allowed', rules: ['groups'] });
  });

  test('a service not among the named ones is policy_denied by services', () => {
    expect(judgePolicy({ allow_any_authenticated_user: true, allow: { services: ['deploy'] } }, service)).toEqual({
      outcome: 'deny',
      reason: 'policy_denied',
      rules: ['services'],
    });
  });

  test('a user no rule admits is policy_denied, with every rule family tried', () => {
    expect(judgePolicy({ allow: { groups: ['ops'] } }, user())).toEqual({ outcome: 'deny', reason: 'policy_denied', rules: ['groups'] });
    expect(judgePolicy({ allow: { groups: ['ops'], emails: ['bob@example.test'], services: ['ci'] } }, user())).toEqual({
      outcome: 'deny',
      reason: 'policy_denied',
      rules: ['emails', 'groups', 'services'],
    });
    expect(judgePolicy({ allow: { services: ['ci'] } }, user({ subject: 'service:ci' }))).toEqual({ outcome: 'deny', reason: 'policy_denied', rules: ['services'] });
  });

  test('evaluatePolicy agrees with judgePolicy', () => {
    const policies = [undefined, {}, { public: true }, { allow_any_authenticated_user: true }, { allow: { groups: ['dev'] } }, { allow: { services: ['ci'] } }];
    for (const policy of policies) {
      for (const identity of [null, user(), service]) expect(evaluatePolicy(policy, identity)).toBe(judgePolicy(policy, identity).outcome);
    }
  });
});

describe('recordDenial', () => {
  test('keeps the caller-safe denial beside the request, rule families only', () => {
    const ctx = {};
    const verdict = judgePolicy({ allow: { groups: ['ops-secret'], emails: ['boss@example.test'] } }, user());
    if (verdict.outcome !== 'deny') throw new Error('expected a denial');
    const denial = recordDenial(ctx, verdict);
    expect(denial).toEqual({ reason: 'policy_denied', rule: 'emails,groups' });
    expect(denialOf(ctx)).toBe(denial);
    expect(denialOf({})).toBeUndefined();
    expect(recordDenial({}, { outcome: 'deny', reason: 'no_policy', rules: [] })).toEqual({ reason: 'no_policy' });
  });
});
