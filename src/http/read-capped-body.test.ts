import { expect, test } from 'bun:test';
import { declaresTooLarge, readCappedBody } from './read-capped-body.ts';

/** A chunked body of `chunks` chunks of `size` bytes that counts how many bytes were pulled. */
function counted(chunks: number, size: number) {
  const state = { pulled: 0, cancelled: false };
  let left = chunks;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (left-- <= 0) return c.close();
        state.pulled += size;
        c.enqueue(new Uint8Array(size).fill(97));
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { body, state };
}

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request('http://x.test/', { method: 'POST', body, headers });

test('reads a body under the cap', async () => {
  const r = await readCappedBody(post('a=1&b=2'));
  expect(r.ok && new TextDecoder().decode(r.bytes)).toBe('a=1&b=2');
});

test('a body of exactly the cap is accepted; one byte more is not', async () => {
  expect((await readCappedBody(post('x'.repeat(100)), { maxBytes: 100 })).ok).toBe(true);
  expect(await readCappedBody(post('x'.repeat(101)), { maxBytes: 100 })).toEqual({ ok: false, reason: 'too_large' });
});

test('the default cap is 16 KiB', async () => {
  expect((await readCappedBody(post('x'.repeat(16 * 1024)))).ok).toBe(true);
  expect((await readCappedBody(post('x'.repeat(16 * 1024 + 1)))).ok).toBe(false);
});

test('a stream is read only until it passes the cap, then cancelled', async () => {
  const { body, state } = counted(10_000, 4096); // 40 MB if read to the end
  const r = await readCappedBody(post(body), { maxBytes: 16 * 1024 });
  expect(r).toEqual({ ok: false, reason: 'too_large' });
  expect(state.pulled).toBeLessThanOrEqual(16 * 1024 + 3 * 4096);
  expect(state.cancelled).toBe(true);
});

test('a stream under the cap is joined in order', async () => {
  const { body } = counted(3, 10);
  const r = await readCappedBody(post(body));
  expect(r.ok && r.bytes.byteLength).toBe(30);
});

test('a Content-Length over the cap is refused without reading', async () => {
  const { body, state } = counted(10, 10);
  const request = post(body, { 'content-length': String(1 << 30) });
  expect(declaresTooLarge(request)).toBe(true);
  expect(await readCappedBody(request)).toEqual({ ok: false, reason: 'too_large' });
  expect(state.pulled).toBe(0);
  expect(declaresTooLarge(post('abc'))).toBe(false);
  expect(declaresTooLarge(post(null))).toBe(false);
});

test('no body reads as empty', async () => {
  const r = await readCappedBody(new Request('http://x.test/'));
  expect(r.ok && r.bytes.byteLength).toBe(0);
});
