/** A route's `retry` setting, as the config gives it. */
export interface RetrySettings {
  attempts: number;
  on: readonly ('connect_failure' | number)[];
}

/** What one request may do: how many attempts in all, and which upstream statuses send it on. */
export interface RetryPlan {
  /** Tries in all, the first included. A member that could not be reached is never tried twice. */
  readonly attempts: number;
  /** Upstream statuses that are retried; null for none. */
  readonly statuses: ReadonlySet<number> | null;
}

/** A route's retry rules, compiled once at load into the plans requests pick from (nothing is built per request). */
export interface RetryPolicy {
  /** Whether a member that could not be reached (refused, unreachable, TLS handshake failed) sends the request on. */
  readonly onConnectFailure: boolean;
  /** For body-less requests with an idempotent method. */
  readonly idempotent: RetryPlan;
  /** For other body-less requests: no status retries. */
  readonly other: RetryPlan;
}

/** A body streams to the first member and is not kept, so it is never sent twice. */
const WITH_BODY: RetryPlan = { attempts: 1, statuses: null };

/** Without `retry`: a body-less request whose member cannot be reached tries the next available one, each once. */
const EVERY_MEMBER_ONCE: RetryPlan = { attempts: Infinity, statuses: null };
export const DEFAULT_RETRY: RetryPolicy = { onConnectFailure: true, idempotent: EVERY_MEMBER_ONCE, other: EVERY_MEMBER_ONCE };

/** Methods whose repetition does no more than doing them once (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'PUT', 'TRACE']);

/** Compiles `retry: { attempts, on }`; without it, {@link DEFAULT_RETRY}. */
export function retryPolicy(settings: RetrySettings | undefined): RetryPolicy {
  if (!settings) return DEFAULT_RETRY;
  const statuses = settings.on.filter((o): o is number => typeof o === 'number');
  return {
    onConnectFailure: settings.on.includes('connect_failure'),
    idempotent: { attempts: settings.attempts, statuses: statuses.length > 0 ? new Set(statuses) : null },
    other: { attempts: settings.attempts, statuses: null },
  };
}

/**
 * The plan of one request: a request with a body is never retried; a status is retried only
 * for idempotent methods.
 */
export function retryPlan(policy: RetryPolicy, method: string, hasBody: boolean): RetryPlan {
  if (hasBody) return WITH_BODY;
  return IDEMPOTENT.has(method) ? policy.idempotent : policy.other;
}
