import { expect, test } from 'bun:test';
import type { OptionProblem } from '../../src/plugin-api/index.ts';
import { checkPattern, compileOrigins, requestOrigin } from './origin-pattern.ts';

function matcher(patterns: string[]) {
  const problems: OptionProblem[] = [];
  const m = compileOrigins(patterns, { any: true }, problems, ['origins']);
  expect(problems).toEqual([]);
  return m;
}

test('exact origins match byte for byte', () => {
  const m = matcher(['https://app.example.test', 'http://127.0.0.1:8080', 'http://[::1]:3000']);
  expect(m.matches('https://app.example.test')).toBe(true);
  expect(m.matches('http://127.0.0.1:8080')).toBe(true);
  expect(m.matches('http://[::1]:3000')).toBe(true);
  expect(m.matches('https://APP.example.test')).toBe(false);
  expect(m.matches('https://app.example.test/')).toBe(false);
  expect(m.matches('https://app.example.test ')).toBe(false);
  expect(m.matches('http://app.example.test')).toBe(false);
  expect(m.matches('https://app.example.test:443')).toBe(false);
  expect(m.matches('https://app.example.test:8443')).toBe(false);
  expect(m.matches('null')).toBe(false);
  expect(m.matches('')).toBe(false);
});

test('*. matches one or more labels, never the bare domain or look-alikes', () => {
  const m = matcher(['https://*.example.test']);
  expect(m.matches('https://a.example.test')).toBe(true);
  expect(m.matches('https://b.a.example.test')).toBe(true);
  expect(m.matches('https://x-y_z.example.test')).toBe(true);
  expect(m.matches('https://example.test')).toBe(false);
  expect(m.matches('https://evil-example.test')).toBe(false);
  expect(m.matches('https://evilexample.test')).toBe(false);
  expect(m.matches('https://example.test.evil.test')).toBe(false);
  expect(m.matches('https://a.example.test.evil.test')).toBe(false);
  expect(m.matches('https://.example.test')).toBe(false);
  expect(m.matches('https://a..example.test')).toBe(false);
  expect(m.matches('https://A.example.test')).toBe(false);
  expect(m.matches('https://evil.test/.example.test')).toBe(false);
  expect(m.matches('https://evil.test?.example.test')).toBe(false);
  expect(m.matches('https://u@a.example.test')).toBe(false);
});

test('scheme and port must match; :* allows any port, explicit or not', () => {
  const m = matcher(['https://*.example.test', 'http://localhost:*', 'https://*.dev.test:*', 'https://*.p.test:8443']);
  expect(m.matches('http://a.example.test')).toBe(false);
  expect(m.matches('https://a.example.test:8443')).toBe(false);
  expect(m.matches('http://localhost')).toBe(true);
  expect(m.matches('http://localhost:5173')).toBe(true);
  expect(m.matches('https://localhost:5173')).toBe(false);
  expect(m.matches('http://a.localhost:5173')).toBe(false);
  expect(m.matches('https://a.dev.test')).toBe(true);
  expect(m.matches('https://a.dev.test:9000')).toBe(true);
  expect(m.matches('https://a.p.test:8443')).toBe(true);
  expect(m.matches('https://a.p.test')).toBe(false);
  expect(m.matches('https://a.p.test:8444')).toBe(false);
});

test('IPv6 hosts work with :*', () => {
  const m = matcher(['http://[::1]:*']);
  expect(m.matches('http://[::1]:8080')).toBe(true);
  expect(m.matches('http://[::1]')).toBe(true);
  expect(m.matches('http://[::2]:8080')).toBe(false);
});

test('* matches every origin', () => {
  const m = matcher(['*']);
  expect(m.any).toBe(true);
  expect(m.matches('https://anything.test')).toBe(true);
});

test('* is refused when the caller says so, with its message, located at the *', () => {
  const problems: OptionProblem[] = [];
  compileOrigins(['https://a.test', '*'], { any: 'no wildcard here' }, problems, ['rules', 0, 'origins']);
  expect(problems).toEqual([{ at: ['rules', 0, 'origins', 1], message: 'no wildcard here' }]);
});

test('an empty list is refused, located at the list', () => {
  const problems: OptionProblem[] = [];
  compileOrigins([], { any: true }, problems, ['allow_origins']);
  expect(problems).toEqual([{ at: ['allow_origins'], message: 'the origin list is empty' }]);
});

test('every bad pattern is reported, naming it, located at it', () => {
  const problems: OptionProblem[] = [];
  compileOrigins(['null', 'https://a.test/', 'https://ok.test', 'https://b.test:443'], { any: true }, problems, ['allow_origins']);
  expect(problems.map((p) => p.at)).toEqual([['allow_origins', 0], ['allow_origins', 1], ['allow_origins', 3]]);
  expect(problems[0]!.message).toContain('"null"');
  expect(problems[1]!.message).toContain('"https://a.test/"');
  expect(problems[2]!.message).toContain('"https://b.test:443"');
});

const refused: Array<[string, string]> = [
  ['null', 'null origin'],
  ['NULL', 'null origin'],
  ['app.example.test', 'not an origin'],
  ['https://app.example.test/', 'trailing slash'],
  ['https://app.example.test/api', 'path'],
  ['https://app.example.test?x=1', 'query'],
  ['https://app.example.test#x', 'fragment'],
  ['https://user@app.example.test', 'userinfo'],
  ['https://user:pw@app.example.test', 'userinfo'],
  ['https://app.example.test:443', 'default port'],
  ['http://app.example.test:80', 'default port'],
  ['https://app.example.test:0', 'invalid port'],
  ['https://app.example.test:65536', 'invalid port'],
  ['https://app.example.test:08080', 'invalid port'],
  ['https://app.example.test:', 'invalid port'],
  ['https://app.example.test:8*', 'wildcard in its port'],
  ['https://App.example.test', 'uppercase host'],
  ['HTTPS://app.example.test', 'uppercase scheme'],
  ['https://*', 'leading "*."'],
  ['https://*example.test', 'leading "*."'],
  ['https://a.*.example.test', 'leading "*."'],
  ['https://*.*.example.test', 'leading "*."'],
  ['https://app*.example.test', 'leading "*."'],
  ['*://app.example.test', 'invalid scheme'],
  ['https://*.test', 'top-level domain'],
  ['https://*.127.0.0.1', 'IP address'],
  ['https://*.[::1]', 'IP address'],
  ['https://résumé.example.test', 'punycode'],
  ['https://', 'no host'],
  ['https://a..test', 'invalid host label'],
  ['https://example.test.', 'invalid host label'],
  ['http://127.1', 'dotted-quad'],
  ['http://[0:0:0:0:0:0:0:1]', 'would send as [::1]'],
  ['http://[::1', 'unterminated'],
  ['file:///etc', 'file:'],
];

for (const [pattern, why] of refused) {
  test(`refuses ${pattern} (${why})`, () => {
    expect(checkPattern(pattern)).toContain(why);
  });
}

const accepted = [
  'https://app.example.test',
  'http://localhost:3000',
  'http://localhost:*',
  'http://*.localhost:*',
  'https://*.example.test',
  'https://*.example.test:*',
  'http://127.0.0.1:8080',
  'http://[::1]:8080',
  'https://xn--rsum-bpad.example.test',
  'chrome-extension://abcdefghijklmnop',
  'https://app.example.test:8443',
];
for (const pattern of accepted) {
  test(`accepts ${pattern}`, () => {
    expect(checkPattern(pattern)).toBeNull();
  });
}

test('only the first Origin value is judged', () => {
  const h = new Headers([
    ['origin', 'https://a.test'],
    ['origin', 'https://b.test'],
  ]);
  expect(requestOrigin(h)).toBe('https://a.test');
  expect(requestOrigin(new Headers({ origin: 'https://c.test' }))).toBe('https://c.test');
  expect(requestOrigin(new Headers())).toBeNull();
});

test('matching a huge origin is cheap and false', () => {
  const m = matcher(['https://*.example.test']);
  const huge = `https://${'a.'.repeat(100_000)}example.test`;
  const started = performance.now();
  expect(m.matches(huge)).toBe(false);
  expect(performance.now() - started).toBeLessThan(50);
});
