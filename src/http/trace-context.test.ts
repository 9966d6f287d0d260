import { describe, expect, test } from 'bun:test';
import { traceContextOf } from './trace-context.ts';

const VALID = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const SHAPE = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

describe('trace context', () => {
  test('a valid traceparent keeps its trace id and flags; Gatehouse is the new parent', () => {
    const trace = traceContextOf(VALID, 'vendor=abc');
    expect(trace.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(trace.parentSpanId).toBe('b7ad6b7169203331');
    expect(trace.spanId).not.toBe('b7ad6b7169203331');
    expect(trace.traceparent).toBe(`00-0af7651916cd43dd8448eb211c80319c-${trace.spanId}-01`);
    expect(trace.tracestate).toBe('vendor=abc');
  });

  test('no traceparent starts a trace: random ids, sampled, no tracestate', () => {
    const a = traceContextOf(null, null);
    const b = traceContextOf(null, null);
    expect(a.traceparent).toMatch(SHAPE);
    expect(a.traceparent.endsWith('-01')).toBe(true);
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.spanId).not.toBe(b.spanId);
    expect(a.parentSpanId).toBeUndefined();
  });

  test.each([
    ['upper-case hex', VALID.toUpperCase()],
    ['all-zero trace id', '00-00000000000000000000000000000000-b7ad6b7169203331-01'],
    ['all-zero parent id', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01'],
    ['version ff', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
    ['version 00 with a fifth field', `${VALID}-extra`],
    ['short trace id', '00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01'],
    ['header injection', `${VALID}\r\nx-gatehouse-user: admin`],
    ['garbage', 'hello'],
  ])('%s starts a new trace and drops tracestate', (_name, header) => {
    const trace = traceContextOf(header, 'vendor=abc');
    expect(trace.traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    expect(trace.traceparent).toMatch(SHAPE);
    expect(trace.tracestate).toBeUndefined();
  });

  test('a later version is read by its first four fields', () => {
    expect(traceContextOf('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-future', null).traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  test('an oversized or multi-line tracestate is dropped, the trace kept', () => {
    expect(traceContextOf(VALID, 'a='.padEnd(600, 'x')).tracestate).toBeUndefined();
    expect(traceContextOf(VALID, 'a=1\nb=2').tracestate).toBeUndefined();
    expect(traceContextOf(VALID, 'a='.padEnd(600, 'x')).traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  test('a trace started here takes the request id without dashes as its id', () => {
    const trace = traceContextOf(null, null, '6f90469d-e630-4614-ab94-5a86a12b7d54');
    expect(trace.traceId).toBe('6f90469de6304614ab945a86a12b7d54');
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(traceContextOf(null, null, 'req-test').traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceContextOf(null, null, '00000000-0000-0000-0000-000000000000').traceId).not.toBe('00000000000000000000000000000000');
  });

  test('ids stay distinct across many draws (the random pool refills)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(traceContextOf(null, null).spanId);
    expect(seen.size).toBe(2000);
  });
});
