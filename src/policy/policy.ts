/**
 * Route policy evaluation. The engine calls it after the route's plugins have run, with the
 * identity they established (or null).
 */
import type { Identity, Policy } from '../plugin-api/index.ts';

/** A way in a policy offers: a key of `policy`, or of `policy.allow`. */
export type PolicyRule = 'public' | 'allow_any_authenticated_user' | 'emails' | 'domains' | 'groups' | 'claims' | 'services';

/**
 * Why a policy refused, fit to show the caller:
 * - `no_policy`: the route has no policy, or one without any way in;
 * - `unauthenticated`: nobody is signed in (the engine answers 401 before asking);
 * - `service_not_allowed`: a service on a route whose policy admits users only;
 * - `policy_denied`: the policy's ways in (`rules`) were tried and none admitted.
 */
export type DenialReason = 'no_policy' | 'unauthenticated' | 'service_not_allowed' | 'policy_denied';

/**
 * The judgement on one request. A denial names rule families only, never the emails, groups or
 * services a policy lists, so it can be sent to the caller as it is.
 */
export type PolicyVerdict =
  | { outcome: 'allow'; rule: PolicyRule }
  | { outcome: 'deny'; reason: DenialReason; rules: readonly PolicyRule[] };

const USER_RULES = ['emails', 'domains', 'groups', 'claims'] as const;

/** The ways in `policy` offers besides `public`, in a fixed order; empty lists offer none. */
export function policyRules(policy: Policy): PolicyRule[] {
  const allow = policy.allow ?? {};
  const out: PolicyRule[] = [];
  if (policy.allow_any_authenticated_user === true) out.push('allow_any_authenticated_user');
  for (const rule of USER_RULES) {
    const value = allow[rule];
    if (Array.isArray(value) ? value.length > 0 : value !== undefined && Object.keys(value).length > 0) out.push(rule);
  }
  if (allow.services?.length) out.push('services');
  return out;
}

function claimMatches(actual: unknown, wanted: unknown): boolean {
  const wants = Array.isArray(wanted) ? wanted : [wanted];
  const has = Array.isArray(actual) ? actual : [actual];
  return wants.some((w) => has.some((a) => a !== undefined && a !== null && (a === w || (typeof w !== 'object' && String(a) === String(w)))));
}

/** The `policy.allow` family that admits the user `identity`, if any. */
function userMatch(allow: NonNullable<Policy['allow']>, identity: Identity): PolicyRule | undefined {
  const email = identity.email?.toLowerCase();
  if (email) {
    if (allow.emails?.some((e) => e.toLowerCase() === email)) return 'emails';
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (email.includes('@') && allow.domains?.some((d) => d.toLowerCase().replace(/^@/, '') === domain)) return 'domains';
  }
  if (allow.groups?.some((g) => identity.groups.includes(g))) return 'groups';
  if (allow.claims) {
    for (const [name, wanted] of Object.entries(allow.claims)) {
      if (Object.hasOwn(identity.claims, name) && claimMatches(identity.claims[name], wanted)) return 'claims';
    }
  }
  return undefined;
}

/**
 * The verdict for `identity` under `policy`:
 * - `public: true` admits everyone, signed in or not;
 * - without an identity, nothing else admits;
 * - `allow_any_authenticated_user` admits every user (kind `user`); services get in only by name
 *   (`allow.services`), so a service on a route for users only is `service_not_allowed`;
 * - each `allow` entry is one way in: an email (case-insensitive), an email domain (exact, so
 *   `example.test` does not admit `a@sub.example.test`), a group, a claim equal to (or, for list
 *   claims, containing) the value or one of the listed values, or a service name;
 * - no policy, or an empty one, admits nobody (`no_policy`).
 */
export function judgePolicy(policy: Policy | undefined, identity: Identity | null): PolicyVerdict {
  if (!policy) return deny('no_policy', []);
  if (policy.public === true) return { outcome: 'allow', rule: 'public' };
  const rules = policyRules(policy);
  if (rules.length === 0) return deny('no_policy', []);
  if (!identity) return deny('unauthenticated', rules);
  if (identity.kind === 'service') {
    const name = identity.subject.startsWith('service:') ? identity.subject.slice('service:'.length) : undefined;
    if (name !== undefined && policy.allow?.services?.includes(name)) return { outcome: 'allow', rule: 'services' };
    return rules.includes('services') ? deny('policy_denied', ['services']) : deny('service_not_allowed', rules);
  }
  if (policy.allow_any_authenticated_user === true) return { outcome: 'allow', rule: 'allow_any_authenticated_user' };
  const matched = policy.allow && userMatch(policy.allow, identity);
  return matched ? { outcome: 'allow', rule: matched } : deny('policy_denied', rules);
}

/** `'allow'` or `'deny'` for `identity` under `policy`; see `judgePolicy` for the rules and the reason. */
export function evaluatePolicy(policy: Policy | undefined, identity: Identity | null): 'allow' | 'deny' {
  return judgePolicy(policy, identity).outcome;
}

function deny(reason: DenialReason, rules: readonly PolicyRule[]): PolicyVerdict {
  return { outcome: 'deny', reason, rules };
}
