import { describe, expect, test } from 'bun:test';
import { originMatcher } from './origins.ts';
import { safeReturnUrl } from './return-url.ts';

const allowed = originMatcher(['https://app.example.test', 'https://api.example.test', 'https://*.apps.example.test']);
const current = new URL('https://auth.example.test/.gatehouse/sign_in');
const check = (raw: string | null) => safeReturnUrl(raw, current, allowed);
const FALLBACK = 'https://auth.example.test/';

describe('safeReturnUrl', () => {
  test('accepts paths on the current host and URLs on configured hosts', () => {
    expect(check('/dashboard?x=1#h')).toBe('https://auth.example.test/dashboard?x=1#h');
    expect(check('https://app.example.test/a/b?c=d')).toBe('https://app.example.test/a/b?c=d');
    expect(check('HTTPS://API.EXAMPLE.TEST/')).toBe('https://api.example.test/');
    expect(check('https://x.apps.example.test/')).toBe('https://x.apps.example.test/');
    expect(check('https://auth.example.test/account')).toBe('https://auth.example.test/account');
    expect(check('/%2F%2Fevil.test')).toBe(FALLBACK);
  });

  test('missing values fall back to /', () => {
    expect(check(null)).toBe(FALLBACK);
    expect(check('')).toBe(FALLBACK);
  });

  const attacks = [
    '//evil.test',
    '//evil.test/path',
    'https://evil.test',
    'https://evil.test/https://app.example.test',
    'https://app.example.test.evil.test',
    'https://app.example.test.evil.test/',
    'https://app.example.test@evil.test/',
    'https://user:pass@app.example.test/',
    'https://evil.test#https://app.example.test',
    'https://apps.example.test/',
    'http://app.example.test/',
    '/\\evil.test',
    '\\\\evil.test',
    '/\\/evil.test',
    'https:/evil.test',
    'https:evil.test',
    'https:///evil.test',
    'https:\\\\evil.test',
    '%2F%2Fevil.test',
    '%2f%2fevil.test',
    '/%2F/evil.test',
    '/%5Cevil.test',
    '%5C%5Cevil.test',
    'https%3A%2F%2Fevil.test',
    '/\t/evil.test',
    '/\n/evil.test',
    '/\r\n/evil.test',
    '\t//evil.test',
    ' //evil.test',
    '/%09/evil.test',
    '/%0a/evil.test',
    '/%0D%0A/evil.test',
    'ht\ttps://evil.test',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'evil.test',
    '.evil.test',
    '/%E0%A4%A',
    '\u0000//evil.test',
  ];
  for (const raw of attacks) {
    test(`refuses ${JSON.stringify(raw)}`, () => {
      const out = check(raw);
      expect(new URL(out).hostname).not.toBe('evil.test');
      expect(out).toBe(FALLBACK);
    });
  }
});
