/**
 * W3C Trace Context (`traceparent`, `tracestate`): Gatehouse is one hop of a trace. A valid
 * incoming `traceparent` keeps its trace id and flags and gets Gatehouse's own span id as the
 * parent the upstream sees; a missing or malformed one starts a new trace. The header claims
 * nothing about the client, so a client's trace is followed, never trusted for anything else.
 */
import type { TraceContext } from '../plugin-api/index.ts';

// Lower-case hex only. Version 00 has exactly four fields; a later version may add more after
// them, and its first four are read as version 00's (spec §4.3); version ff is invalid.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;
/** Longer `tracestate` values are dropped whole rather than cut (spec: at most 32 members, ~512 characters). */
const MAX_TRACESTATE = 512;

/**
 * The trace a request belongs to, from its `traceparent` and `tracestate` headers. Gatehouse's
 * span id is taken from `requestId` (a random UUID, sent upstream anyway as `X-Request-Id`), so
 * no randomness is drawn for it.
 */
export function traceContextOf(traceparent: string | null, tracestate: string | null, requestId: string = crypto.randomUUID()): TraceContext {
  const spanId = spanIdOf(requestId);
  const m = traceparent === null ? null : TRACEPARENT.exec(traceparent.trim());
  if (m && m[1] !== 'ff' && (m[1] !== '00' || m[5] === undefined) && !ALL_ZERO.test(m[2]!) && !ALL_ZERO.test(m[3]!)) {
    const state = tracestate !== null && tracestate.length <= MAX_TRACESTATE && !/[\r\n\0]/.test(tracestate) ? tracestate : undefined;
    return { traceId: m[2]!, spanId, parentSpanId: m[3]!, traceparent: `00-${m[2]}-${spanId}-${m[4]}`, tracestate: state };
  }
  // A UUID v4 without its dashes is 32 hex digits, 122 of them random bits, never all zero.
  const traceId = crypto.randomUUID().replaceAll('-', '');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/**
 * 16 hex digits from a UUID's first three groups (`8-4-4`): random but for the version digit,
 * which also keeps it from being all zero. Any other id gets a random span id.
 */
function spanIdOf(requestId: string): string {
  if (requestId.length === 36 && requestId.charCodeAt(8) === 45 && requestId.charCodeAt(13) === 45) {
    const id = requestId.slice(0, 8) + requestId.slice(9, 13) + requestId.slice(14, 18);
    if (/^[0-9a-f]{16}$/.test(id) && !ALL_ZERO.test(id)) return id;
  }
  return crypto.randomUUID().replaceAll('-', '').slice(0, 16);
}
