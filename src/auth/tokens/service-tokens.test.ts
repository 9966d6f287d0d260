import { expect, test } from 'bun:test';
import { createServiceTokenMatcher } from './service-tokens.ts';

const match = createServiceTokenMatcher([
  { name: 'ci', client_id: 'ci-bot', client_secret: 'a-long-secret-value-0123456789' },
  { name: 'deploy', client_id: 'deployer', client_secret: 'another-secret-value-987654321' },
]);

test('the right pair gives the service identity', () => {
  expect(match('ci-bot', 'a-long-secret-value-0123456789')).toMatchObject({ subject: 'service:ci', kind: 'service', groups: [] });
  expect(match('deployer', 'another-secret-value-987654321')?.subject).toBe('service:deploy');
});

test('wrong secrets, even sharing a prefix, and crossed pairs are refused', () => {
  expect(match('ci-bot', 'a-long-secret-value-012345678')).toBeNull();
  expect(match('ci-bot', 'a-long-secret-value-0123456789x')).toBeNull();
  expect(match('ci-bot', 'another-secret-value-987654321')).toBeNull();
  expect(match('', '')).toBeNull();
});
