import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import type { AccessRecord } from '../gateway/gateway.ts';
import { accessLine } from './access-log.ts';

/** The line as it was first written: an object through JSON.stringify. The fast writer must match it. */
function referenceFields(request: Request, url: URL | undefined, status: number, record: AccessRecord): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify({
      type: 'access',
      request_id: record.requestId,
      method: request.method,
      host: url ? url.host : String(request.headers.get('host') ?? '').slice(0, 256),
      path: url ? url.pathname : request.url,
      status,
      route: record.route,
      upstream: record.upstream,
      exemption: record.exemption,
      identity: record.identity,
      identity_kind: record.identityKind,
      denial_reason: record.denialReason,
      denial_rule: record.denialRule,
      client_ip: record.clientIp,
      trace_id: record.traceId,
    }),
  );
}

// Mostly the characters where escaping is decided: quotes, backslashes, controls, DEL, non-ASCII.
const edgyText = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '"', '\\', '/', '~', '\u007f', '\n', '\u0000', 'é', '\u2028', '\ud83d'), maxLength: 12 });
const anyText = fc.option(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), edgyText), { nil: undefined });

describe('access line', () => {
  test('holds exactly the fields JSON.stringify of the record would, whatever the strings hold', () => {
    fc.assert(
      fc.property(
        fc.record({ requestId: anyText, route: anyText, upstream: anyText, exemption: anyText, identity: anyText, identityKind: anyText, denialReason: anyText, denialRule: anyText, clientIp: anyText, traceId: anyText }),
        fc.webPath(),
        fc.integer({ min: 100, max: 599 }),
        (record, path, status) => {
          const url = new URL(`http://app.example.test${path.startsWith('/') ? path : `/${path}`}`);
          const request = new Request(url, { method: 'PATCH' });
          const cleaned = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as AccessRecord;
          const line = accessLine(request, url, status, performance.now(), cleaned);
          expect(line.endsWith('}\n')).toBe(true);
          expect(line.slice(0, -1)).not.toContain('\n');
          const parsed = JSON.parse(line);
          const { time, duration_ms, ...rest } = parsed;
          expect(rest).toEqual(referenceFields(request, url, status, cleaned));
          const order = Object.keys(referenceFields(request, url, status, cleaned));
          order.splice(order.indexOf('status') + 1, 0, 'duration_ms');
          expect(Object.keys(parsed)).toEqual(['time', ...order]);
          expect(new Date(time).toISOString()).toBe(time);
          expect(typeof duration_ms).toBe('number');
        },
      ),
      { numRuns: 300 },
    );
  });

  test('the time is the current millisecond, not a stale one', async () => {
    const request = new Request('http://app.example.test/');
    const first = JSON.parse(accessLine(request, undefined, 200, performance.now(), {})).time;
    await Bun.sleep(5);
    const second = JSON.parse(accessLine(request, undefined, 200, performance.now(), {})).time;
    expect(Date.parse(second)).toBeGreaterThan(Date.parse(first));
    expect(Math.abs(Date.parse(second) - Date.now())).toBeLessThan(1000);
  });
});
