/**
 * The policy denial of a request, kept beside its context: the 403 body tells the caller, and
 * the gateway copies it to the access log line once the response has come back.
 */
import type { DenialReason, PolicyVerdict } from './policy.ts';

/** What a policy 403 says: `reason`, and the rule families that did not admit (`groups`, `emails,groups`). */
export interface Denial {
  reason: DenialReason;
  rule?: string;
}

// Keyed by the request's context rather than kept in `ctx.state`, so no plugin can read, forge
// or erase what the access log will say about the denial.
const denials = new WeakMap<object, Denial>();

/** Remembers the denial `verdict` for the request `ctx` and returns its caller-safe form. */
export function recordDenial(ctx: object, verdict: Extract<PolicyVerdict, { outcome: 'deny' }>): Denial {
  const denial: Denial = verdict.rules.length > 0 ? { reason: verdict.reason, rule: verdict.rules.join(',') } : { reason: verdict.reason };
  denials.set(ctx, denial);
  return denial;
}

/** The denial recorded for `ctx`, if its policy refused it. */
export function denialOf(ctx: object): Denial | undefined {
  return denials.get(ctx);
}
