/** Reading a state spec and opening the backend it names. */
import { afterAll, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStateStore, parseStateSpec } from './open-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-open-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

test('the three forms', () => {
  expect(parseStateSpec('memory')).toEqual({ kind: 'memory' });
  expect(parseStateSpec(' memory ')).toEqual({ kind: 'memory' });
  expect(parseStateSpec('sqlite:/var/lib/gatehouse/state.db')).toEqual({ kind: 'sqlite', path: '/var/lib/gatehouse/state.db' });
  expect(parseStateSpec('sqlite:data/state.db', '/etc/gatehouse')).toEqual({ kind: 'sqlite', path: '/etc/gatehouse/data/state.db' });
  expect(parseStateSpec('sqlite:state.db')).toEqual({ kind: 'sqlite', path: resolve('state.db') });
  expect(parseStateSpec('redis://127.0.0.1:6379')).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379' });
  expect(parseStateSpec('rediss://:pw@redis.internal:6380/2')).toEqual({ kind: 'redis', url: 'rediss://:pw@redis.internal:6380/2' });
});

test('anything else is a clear error, and never shows a password', () => {
  expect(() => parseStateSpec('')).toThrow(/unknown state store "".*expected `memory`, `sqlite:PATH`/);
  expect(() => parseStateSpec('Memory!')).toThrow(/unknown state store "Memory!"/);
  expect(() => parseStateSpec('sqlite:')).toThrow(/sqlite needs a file path/);
  expect(() => parseStateSpec('sqlite://var/state.db')).toThrow(/without "\/\/"/);
  expect(() => parseStateSpec('sqlite::memory:')).toThrow(/use `memory` instead/);
  expect(() => parseStateSpec('memcached://host:11211')).toThrow(/unknown state store memcached:\/\/host:11211/);
  expect(() => parseStateSpec('redis://:hunter2@host:6379/not-a-db')).toThrow(/database number/);
  for (const spec of ['redis://:hunter2@host:6379/not-a-db', 'valkey://:hunter2@host:6379', 'redis://:hunter2@[bad']) {
    const message = messageOf(() => parseStateSpec(spec));
    expect(message).toMatch(/^state: /);
    expect(message).not.toContain('hunter2');
  }
});

test('openStateStore opens the named backend', async () => {
  const memory = openStateStore('memory');
  expect(memory.kind).toBe('memory');
  await memory.close();
  const sqlite = openStateStore('sqlite:sub/state.db', { baseDir: dir });
  expect(sqlite.kind).toBe('sqlite');
  await sqlite.set('k', 'v', 1000);
  expect(existsSync(join(dir, 'sub', 'state.db'))).toBe(true);
  await sqlite.close();
  const redis = openStateStore('redis://127.0.0.1:1', { callTimeoutMs: 200 });
  expect(redis.kind).toBe('redis');
  expect(await redis.ping()).toBe(false);
  await redis.close();
});
