/**
 * Route policy evaluation. The engine calls it after the route's plugins have run, with the
 * identity they established (or null).
 */
import type { Identity, Policy } from '../plugin-api/index.ts';

function claimMatches(actual: unknown, wanted: unknown): boolean {
  const wants = Array.isArray(wanted) ? wanted : [wanted];
  const has = Array.isArray(actual) ? actual : [actual];
  return wants.some((w) => has.some((a) => a !== undefined && a !== null && (a === w || (typeof w !== 'object' && String(a) === String(w)))));
}

/**
 * `'allow'` or `'deny'` for `identity` under `policy`:
 * - `public: true` admits everyone, signed in or not;
 * - without an identity, nothing else admits;
 * - `allow_any_authenticated_user` admits every user (kind `user`); services get in only by name;
 * - each `allow` entry is one way in: an email (case-insensitive), an email domain (exact, so
 *   `example.test` does not admit `a@sub.example.test`), a group, a claim equal to (or, for list
 *   claims, containing) the value or one of the listed values, or a service name;
 * - no policy, or an empty one, admits nobody.
 */
export function evaluatePolicy(policy: Policy | undefined, identity: Identity | null): 'allow' | 'deny' {
  if (!policy) return 'deny';
  if (policy.public === true) return 'allow';
  if (!identity) return 'deny';
  if (identity.kind === 'service') {
    const name = identity.subject.startsWith('service:') ? identity.subject.slice('service:'.length) : undefined;
    return name !== undefined && policy.allow?.services?.includes(name) ? 'allow' : 'deny';
  }
  if (policy.allow_any_authenticated_user === true) return 'allow';
  const allow = policy.allow;
  if (!allow) return 'deny';
  const email = identity.email?.toLowerCase();
  if (email) {
    if (allow.emails?.some((e) => e.toLowerCase() === email)) return 'allow';
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (email.includes('@') && allow.domains?.some((d) => d.toLowerCase().replace(/^@/, '') === domain)) return 'allow';
  }
  if (allow.groups?.some((g) => identity.groups.includes(g))) return 'allow';
  if (allow.claims) {
    for (const [name, wanted] of Object.entries(allow.claims)) {
      if (Object.hasOwn(identity.claims, name) && claimMatches(identity.claims[name], wanted)) return 'allow';
    }
  }
  return 'deny';
}
