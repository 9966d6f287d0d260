import { describe, expect, test } from 'bun:test';
import { createReverseMapper } from './path-map.ts';
import { createCredentialScrubber } from './redact-credentials.ts';
import { createResponseRewriter } from './rewrite-response.ts';

const rewriter = (over: Partial<Parameters<typeof createResponseRewriter>[0]> = {}) =>
  createResponseRewriter({
    prefix: '/api',
    mapper: createReverseMapper('/api', '', ['http://127.0.0.1:9002/v2']),
    scrubber: createCredentialScrubber({ 'X-Api-Key': 'secret-token-123' }),
    rewriteLocation: true,
    rewriteCookiePath: true,
    dropCookieDomain: true,
    upstreamScheme: 'http:',
    ...over,
  });

function upstreamResponse(headers: [string, string][], status = 302, body: string | null = 'body'): Response {
  const h = new Headers();
  for (const [k, v] of headers) h.append(k, v);
  return new Response(body, { status, statusText: 'Found', headers: h });
}

describe('createResponseRewriter', () => {
  test('rewrites Location and every Set-Cookie, keeps the rest', async () => {
    const res = upstreamResponse([
      ['location', 'http://127.0.0.1:9002/v2/login?next=1'],
      ['content-location', '/v2/doc'],
      ['set-cookie', 'a=1; Path=/v2; Domain=up.internal'],
      ['set-cookie', 'b=2; Path=/v2/x; HttpOnly'],
      ['x-other', 'kept'],
    ]);
    const out = rewriter().rewrite(res, '/api/x', 'https://app.example.test');
    expect(out.status).toBe(302);
    expect(out.statusText).toBe('Found');
    expect(out.headers.get('location')).toBe('https://app.example.test/api/login?next=1');
    expect(out.headers.get('content-location')).toBe('/api/doc');
    expect(out.headers.getSetCookie()).toEqual(['a=1; Path=/api', 'b=2; HttpOnly; Path=/api/x']);
    expect(out.headers.get('x-other')).toBe('kept');
    expect(await out.text()).toBe('body');
  });

  test('returns the same response when nothing changes', () => {
    const res = upstreamResponse([['content-type', 'text/plain'], ['location', 'https://elsewhere.test/']]);
    expect(rewriter().rewrite(res, '/api/x', 'https://app.example.test')).toBe(res);
  });

  test('switches are honoured', () => {
    const res = upstreamResponse([['location', '/v2/a'], ['set-cookie', 'a=1; Path=/; Domain=d']]);
    const out = rewriter({ rewriteLocation: false, rewriteCookiePath: false, dropCookieDomain: false }).rewrite(res, '/api/x', 'https://a.test');
    expect(out).toBe(res);
  });

  test('removes credential echoes and reports only header names', () => {
    const removed: string[] = [];
    const res = upstreamResponse([
      ['x-api-key', 'secret-token-123'],
      ['x-echo', 'got secret-token-123'],
      ['set-cookie', 'k=secret-token-123'],
      ['set-cookie', 'ok=1; Path=/'],
      ['location', '/v2/ok'],
    ]);
    const out = rewriter().rewrite(res, '/api/x', 'https://app.example.test', (h) => removed.push(h));
    const all = JSON.stringify([...out.headers]) + JSON.stringify(out.headers.getSetCookie());
    expect(all).not.toContain('secret-token-123');
    expect(out.headers.getSetCookie()).toEqual(['ok=1; Path=/api']);
    expect(removed.sort()).toEqual(['set-cookie', 'x-api-key', 'x-echo']);
    expect(JSON.stringify(removed)).not.toContain('secret');
  });

  test('101 responses pass untouched', () => {
    const res = new Response(null, { status: 200, headers: { location: '/v2/x' } });
    Object.defineProperty(res, 'status', { value: 101 });
    expect(rewriter().rewrite(res, '/api/x', 'https://a.test')).toBe(res);
  });
});
