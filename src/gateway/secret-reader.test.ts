import { expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretReader } from './secret-reader.ts';

test('env: the loader environment, not process.env; NAME:-default as in ${NAME:-default}', () => {
  const secret = secretReader('/nowhere', { HMAC: 's3cret', EMPTY: '' });
  expect(secret({ env: 'HMAC' })).toBe('s3cret');
  expect(secret({ env: 'EMPTY:-fallback' })).toBe('');
  expect(secret({ env: 'UNSET:-fallback' })).toBe('fallback');
  expect(() => secret({ env: 'PATH' })).toThrow('environment variable PATH is not set');
  expect(() => secret({ env: '${HMAC}' })).toThrow(/variable name/);
});

test('file: relative to the config folder, one trailing newline dropped; value: as is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-secret-'));
  writeFileSync(join(dir, 'key'), 'abc\n\n');
  const secret = secretReader(dir, {});
  expect(secret({ file: 'key' })).toBe('abc\n');
  expect(() => secret({ file: 'missing' })).toThrow(/cannot read .*missing: ENOENT/);
  expect(secret({ value: '$${NOT_EXPANDED}' })).toBe('$${NOT_EXPANDED}');
  expect(() => secret({})).toThrow(/needs env, file or value/);
});
