import { afterEach, beforeEach, expect, spyOn, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSessionRegistry, type SessionRegistry } from '../auth/session/session-registry.ts';
import { silentLogger } from '../log/logger.ts';
import { createSqliteStore } from '../state/sqlite-store.ts';
import type { StateStore } from '../state/store.ts';
import { sessionsCommand } from './sessions.ts';

const ROUTES = 'routes:\n  - { from: http://app.example.test, to: "http://127.0.0.1:1", policy: { public: true } }\n';
let dir: string;
let out: ReturnType<typeof spyOn>;
let err: ReturnType<typeof spyOn>;
let store: StateStore | undefined;
let registry: SessionRegistry | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sessions-cli-'));
  out = spyOn(console, 'log').mockImplementation(() => {});
  err = spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(async () => {
  out.mockRestore();
  err.mockRestore();
  registry?.close();
  await store?.close();
  registry = store = undefined;
});

const printed = (): string => out.mock.calls.map((c: unknown[]) => c.join(' ')).join('\n');
const complained = (): string => err.mock.calls.map((c: unknown[]) => c.join(' ')).join('\n');

function config(head: string): string {
  const file = join(dir, 'gatehouse.yaml');
  writeFileSync(file, `${head}\n${ROUTES}`);
  return file;
}

/** A config on `sqlite:state.db` and, on the same file, a registry holding four sessions. */
async function withSessions(): Promise<string> {
  const file = config('state: sqlite:state.db');
  store = createSqliteStore(join(dir, 'state.db'));
  registry = createSessionRegistry({ store, log: silentLogger, ttlMs: 3_600_000 });
  const exp = Math.floor(Date.now() / 1000) + 3600;
  await registry.open({ sid: 'sid-alice-1', sub: 'alice@example.test', email: 'alice@example.test', method: 'static', exp });
  await registry.open({ sid: 'sid-alice-2', sub: 'alice@example.test', email: 'alice@example.test', method: 'static', exp });
  await registry.open({ sid: 'sid-bob', sub: 'bob-sub', email: 'bob@example.test', name: 'Bob', method: 'oidc', exp });
  await registry.open({ sid: 'sid-eve', sub: 'eve\u001b]0;owned\u0007', method: 'oidc', exp });
  return file;
}

test('usage errors exit 2 with the help', async () => {
  const file = config('state: sqlite:state.db');
  for (const args of [[], ['bogus'], ['revoke', '-c', file], ['revoke', '--all', '--user', 'a@b.test', '-c', file], ['revoke', '--user', '', '-c', file], ['list', '--session', 'x'], ['list', '--bogus'], ['revoke', 'extra']]) {
    expect(await sessionsCommand(args)).toBe(2);
  }
  expect(complained()).toContain('revoke takes exactly one of --user EMAIL, --session ID or --all');
  expect(complained()).toContain('Usage: gatehouse sessions list');
  expect(await sessionsCommand(['--help'])).toBe(0);
  expect(await sessionsCommand(['list', '--help'])).toBe(0);
});

test('a memory state, given or by default, cannot be reached: exit 1 pointing at the admin endpoints and shared states', async () => {
  for (const head of ['state: memory', 'workers: 1']) {
    err.mockClear();
    expect(await sessionsCommand(['list', '-c', config(head)])).toBe(1);
    expect(complained()).toContain('the state is `memory`');
    expect(complained()).toContain('cannot be reached from another one');
    expect(complained()).toContain('POST /sessions/revoke');
    expect(complained()).toContain('sqlite:');
  }
  expect(complained()).toContain('(the default with one worker)');
});

test('a broken config, a missing one, or a SQLite file no gateway made: exit 1', async () => {
  expect(await sessionsCommand(['list', '-c', join(dir, 'missing.yaml')])).toBe(1);
  expect(complained()).toContain('cannot read config');
  expect(await sessionsCommand(['list', '-c', config('state: sqlite:state.db\nbogus: 1')])).toBe(1);
  expect(complained()).toContain('unknown key "bogus"');
  expect(await sessionsCommand(['list', '-c', config('state: sqlite:state.db')])).toBe(1);
  expect(complained()).toContain(`no state file at ${join(dir, 'state.db')}`);
});

test('an unreachable Redis: exit 1 saying so, without its password', async () => {
  const file = config('state: { url: "redis://:hunter2@127.0.0.1:1/0", timeout: 300ms }');
  expect(await sessionsCommand(['list', '-c', file])).toBe(1);
  expect(complained()).toContain('cannot reach the state store');
  expect(complained()).not.toContain('hunter2');
});

test('list: a table (control characters shown as ?), one user, or JSON', async () => {
  const file = await withSessions();
  expect(await sessionsCommand(['list', '-c', file])).toBe(0);
  const lines = printed().split('\n');
  expect(lines[0]).toMatch(/^SESSION +USER +METHOD +CREATED +LAST SEEN +EXPIRES$/);
  expect(lines.find((l) => l.startsWith('sid-bob'))).toMatch(/^sid-bob +bob@example\.test +oidc +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +\S+Z +\S+Z$/);
  expect(lines.find((l) => l.startsWith('sid-eve'))).toMatch(/^sid-eve +eve\?\]0;owned\? +oidc /);
  expect(lines.at(-1)).toBe('4 sessions');

  out.mockClear();
  expect(await sessionsCommand(['list', '--user', 'ALICE@example.test', '--json', '-c', file])).toBe(0);
  const body = JSON.parse(printed()) as { sessions: { sid: string; expires: string }[] };
  expect(body.sessions.map((s) => s.sid).sort()).toEqual(['sid-alice-1', 'sid-alice-2']);
  expect(Date.parse(body.sessions[0]!.expires)).toBeGreaterThan(Date.now());

  out.mockClear();
  expect(await sessionsCommand(['list', '--user', 'nobody@example.test', '-c', file])).toBe(0);
  expect(printed()).toBe('no sessions');
});

test('revoke --session, --user, --all: counts, and the revocations reach another process on the state', async () => {
  const file = await withSessions();
  const iat = Math.floor(Date.now() / 1000) - 1;
  const check = (sid: string, sub: string) => registry!.check({ sid, sub, began: iat });
  const until = async (what: () => Promise<boolean>) => {
    const deadline = Date.now() + 2000;
    while (!(await what()) && Date.now() < deadline) await Bun.sleep(50);
    return what();
  };

  expect(await sessionsCommand(['revoke', '--session', 'sid-alice-1', '-c', file])).toBe(0);
  expect(printed()).toContain('revoked session sid-alice-1.');
  expect(await until(async () => (await check('sid-alice-1', 'alice@example.test')) === 'revoked')).toBe(true);
  expect(await check('sid-alice-2', 'alice@example.test')).toBe('ok');

  out.mockClear();
  expect(await sessionsCommand(['revoke', '--session', 'no-such-sid', '-c', file])).toBe(0);
  expect(printed()).toContain('no live session has id no-such-sid');

  // base64url ids may start with a dash.
  out.mockClear();
  expect(await sessionsCommand(['revoke', '--session', '--dash-sid', '-c', file])).toBe(0);
  expect(printed()).toContain('no live session has id --dash-sid');
  expect(await sessionsCommand(['revoke', '--session', '--all', '-c', file])).toBe(2);

  out.mockClear();
  expect(await sessionsCommand(['revoke', '--user', 'bob@example.test', '-c', file])).toBe(0);
  expect(printed()).toContain('revoked 1 session of bob@example.test, and the tokens issued to them.');
  // A token of Bob's without a session id (as from a cache) is refused by subject.
  expect(await until(async () => (await registry!.check({ sub: 'bob-sub', began: iat })) === 'revoked')).toBe(true);

  out.mockClear();
  expect(await sessionsCommand(['revoke', '--all', '-c', file])).toBe(0);
  expect(printed()).toContain('revoked every session (2 sessions live).');
  expect(await until(async () => (await check('sid-alice-2', 'alice@example.test')) === 'revoked')).toBe(true);
});
