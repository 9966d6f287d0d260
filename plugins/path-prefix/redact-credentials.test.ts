import { expect, test } from 'bun:test';
import { createCredentialScrubber, MIN_SECRET_LENGTH } from './redact-credentials.ts';

test('finds injected names and long injected values', () => {
  const s = createCredentialScrubber({ 'X-Api-Key': 'secret-token-123', 'X-Tenant': 'acme' });
  expect(s.leaks('x-api-key', 'anything')).toBe(true);
  expect(s.leaks('X-TENANT', 'other')).toBe(true);
  expect(s.leaks('x-debug', 'received key secret-token-123 ok')).toBe(true);
  expect(s.leaks('set-cookie', 'k=secret-token-123; Path=/')).toBe(true);
  expect(s.leaks('x-debug', 'acme corp')).toBe(false);
  expect(s.leaks('content-type', 'application/json')).toBe(false);
  expect(MIN_SECRET_LENGTH).toBe(6);
});

test('nothing injected, nothing to find', () => {
  expect(createCredentialScrubber({}).leaks('x-api-key', 'x')).toBe(false);
});
