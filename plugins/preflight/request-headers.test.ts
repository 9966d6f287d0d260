import { expect, test } from 'bun:test';
import type { OptionProblem } from '../../src/plugin-api/index.ts';
import { compileAllowHeaders, compileExposeHeaders, requestHeadersAllowed } from './request-headers.ts';

function allow(list: string[]) {
  const problems: OptionProblem[] = [];
  const compiled = compileAllowHeaders(list, problems);
  expect(problems).toEqual([]);
  return compiled;
}

test('names are case-insensitive and the response keeps the configured spelling', () => {
  const a = allow(['Content-Type', 'X-Gatehouse-Authorization', 'content-type']);
  expect(a.value).toBe('Content-Type, X-Gatehouse-Authorization');
  expect(requestHeadersAllowed(a, 'content-type,x-gatehouse-authorization')).toBe(true);
  expect(requestHeadersAllowed(a, 'CONTENT-TYPE')).toBe(true);
  expect(requestHeadersAllowed(a, 'content-type,x-other')).toBe(false);
});

test('spaces, tabs and empty items are tolerated', () => {
  const a = allow(['Content-Type', 'X-Api-Key']);
  expect(requestHeadersAllowed(a, ' content-type ,\tx-api-key\t')).toBe(true);
  expect(requestHeadersAllowed(a, 'content-type,,x-api-key,')).toBe(true);
  expect(requestHeadersAllowed(a, ',')).toBe(true);
  expect(requestHeadersAllowed(a, '')).toBe(true);
  expect(requestHeadersAllowed(a, 'content type')).toBe(false);
});

test('an empty allow list admits no requested header', () => {
  const a = allow([]);
  expect(requestHeadersAllowed(a, 'content-type')).toBe(false);
  expect(requestHeadersAllowed(a, '')).toBe(true);
});

test('a 200 KB value is refused quickly and without a crash', () => {
  const a = allow(['Content-Type']);
  const any = allow(['*']);
  const huge = 'content-type,'.repeat(16_000);
  expect(huge.length).toBeGreaterThan(200_000);
  const started = performance.now();
  expect(requestHeadersAllowed(a, huge)).toBe(false);
  expect(requestHeadersAllowed(any, huge)).toBe(false);
  expect(requestHeadersAllowed(a, ' '.repeat(200_000))).toBe(false);
  expect(performance.now() - started).toBeLessThan(50);
});

test('the length limit leaves room for every allowed name with some whitespace', () => {
  const a = allow(['a', 'b', 'c']);
  expect(requestHeadersAllowed(a, 'a, b, c, , ,')).toBe(true);
  expect(requestHeadersAllowed(a, `a,${' '.repeat(a.maxRequestLength)}`)).toBe(false);
});

test('* allows any name but Authorization, unless Authorization is listed too', () => {
  const any = allow(['*']);
  expect(any.value).toBe('*');
  expect(requestHeadersAllowed(any, 'x-anything,content-type')).toBe(true);
  expect(requestHeadersAllowed(any, 'authorization')).toBe(false);
  expect(requestHeadersAllowed(any, 'x-a, Authorization')).toBe(false);
  expect(requestHeadersAllowed(any, 'bad name')).toBe(false);
  const withAuth = allow(['*', 'Authorization']);
  expect(withAuth.value).toBe('*, Authorization');
  expect(requestHeadersAllowed(withAuth, 'authorization,x-a')).toBe(true);
});

test('forbidden request header names are refused, naming each', () => {
  const forbidden = ['Cookie', 'host', 'Origin', 'Content-Length', 'Sec-Fetch-Mode', 'Proxy-Authorization',
    'Access-Control-Request-Method', 'Access-Control-Allow-Origin', 'Connection', 'Referer', 'Via'];
  const problems: OptionProblem[] = [];
  compileAllowHeaders(forbidden, problems);
  expect(problems).toHaveLength(forbidden.length);
  forbidden.forEach((name, i) => expect(problems[i]).toEqual({ at: ['allow_headers', i], message: expect.stringContaining(`"${name}"`) }));
});

test('invalid header names are refused', () => {
  const problems: OptionProblem[] = [];
  compileAllowHeaders(['X Bad', 'X-Ok', 'X:y'], problems);
  expect(problems.map((p) => p.at)).toEqual([['allow_headers', 0], ['allow_headers', 2]]);
});

test('expose_headers: joined once, * only without credentials, Set-Cookie never', () => {
  const problems: OptionProblem[] = [];
  expect(compileExposeHeaders(['X-Request-Id', 'ETag', 'x-request-id'], false, problems)).toBe('X-Request-Id, ETag');
  expect(compileExposeHeaders([], false, problems)).toBe('');
  expect(compileExposeHeaders(['*'], false, problems)).toBe('*');
  expect(problems).toEqual([]);
  compileExposeHeaders(['*'], true, problems);
  compileExposeHeaders(['Set-Cookie', 'bad name'], false, problems);
  expect(problems).toHaveLength(3);
  expect(problems[1]).toEqual({ at: ['expose_headers', 0], message: expect.stringContaining('"Set-Cookie"') });
  expect(problems[2]).toEqual({ at: ['expose_headers', 1], message: expect.stringContaining('"bad name"') });
});
