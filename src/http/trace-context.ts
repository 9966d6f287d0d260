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

/** The trace a request belongs to, from its `traceparent` and `tracestate` headers. */
export function traceContextOf(traceparent: string | null, tracestate: string | null): TraceContext {
  const m = traceparent === null ? null : TRACEPARENT.exec(traceparent.trim());
  if (m && m[1] !== 'ff' && (m[1] !== '00' || m[5] === undefined) && !ALL_ZERO.test(m[2]!) && !ALL_ZERO.test(m[3]!)) {
    const state = tracestate !== null && tracestate.length <= MAX_TRACESTATE && !/[\r\n\0]/.test(tracestate) ? tracestate : undefined;
    return trace(m[2]!, m[4]!, m[3]!, state);
  }
  return trace(randomHex(16), '01', undefined, undefined);
}

function trace(traceId: string, flags: string, parentSpanId: string | undefined, tracestate: string | undefined): TraceContext {
  const spanId = randomHex(8);
  return {
    traceId,
    spanId,
    parentSpanId,
    traceparent: `00-${traceId}-${spanId}-${flags}`,
    tracestate,
  };
}

// Random bytes are drawn in blocks: one getRandomValues call per 512 ids instead of one each.
const pool = new Uint8Array(4096);
let used = pool.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `bytes` random bytes as lower-case hex, never all zero (an all-zero id is invalid). */
function randomHex(bytes: number): string {
  for (;;) {
    if (used + bytes > pool.length) {
      crypto.getRandomValues(pool);
      used = 0;
    }
    let out = '';
    let zero = true;
    for (let i = 0; i < bytes; i++) {
      const b = pool[used++]!;
      if (b !== 0) zero = false;
      out += HEX[b];
    }
    if (!zero) return out;
  }
}
