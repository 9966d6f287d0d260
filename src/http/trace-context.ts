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
 * The trace a request belongs to, from its `traceparent` and `tracestate` headers. A new trace
 * takes `requestId` (a random UUID) without its dashes as its id, so a trace started here and
 * its access line share one value and no randomness is drawn for it.
 */
export function traceContextOf(traceparent: string | null, tracestate: string | null, requestId: string = crypto.randomUUID()): TraceContext {
  const spanId = newSpanId();
  const m = traceparent === null ? null : TRACEPARENT.exec(traceparent.trim());
  if (m && m[1] !== 'ff' && (m[1] !== '00' || m[5] === undefined) && !ALL_ZERO.test(m[2]!) && !ALL_ZERO.test(m[3]!)) {
    const state = tracestate !== null && tracestate.length <= MAX_TRACESTATE && !/[\r\n\0]/.test(tracestate) ? tracestate : undefined;
    return { traceId: m[2]!, spanId, parentSpanId: m[3]!, traceparent: `00-${m[2]}-${spanId}-${m[4]}`, tracestate: state };
  }
  const traceId = traceIdOf(requestId);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/**
 * A UUID v4 (Gatehouse's request ids come from `crypto.randomUUID`) without its dashes: 32 hex
 * digits, 122 random bits, never all zero. Anything else gets a fresh random id.
 */
function traceIdOf(requestId: string): string {
  const id = isDashedUuid(requestId) ? requestId.slice(0, 8) + requestId.slice(9, 13) + requestId.slice(14, 18) + requestId.slice(19, 23) + requestId.slice(24) : '';
  return id !== '' && HEX32.test(id) && !ALL_ZERO.test(id) ? id : crypto.randomUUID().replaceAll('-', '');
}

const HEX32 = /^[0-9a-f]{32}$/;

function isDashedUuid(id: string): boolean {
  return id.length === 36 && id.charCodeAt(8) === 45 && id.charCodeAt(13) === 45 && id.charCodeAt(18) === 45 && id.charCodeAt(23) === 45;
}

/**
 * 64 bits for Gatehouse's span. A span id only has to differ from the other spans of its trace,
 * not be secret, so `Math.random` serves (never all zero: the first half is at least 1).
 */
function newSpanId(): string {
  const high = 1 + Math.floor(Math.random() * 0xffffffff);
  const low = Math.floor(Math.random() * 0x100000000);
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
