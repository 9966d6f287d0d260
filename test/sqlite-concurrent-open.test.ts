/**
 * `state: sqlite:PATH` is shared by the processes of one machine, so several processes may open
 * the same NEW state file at the same moment (two `gatehouse run` on one file started together,
 * workers started together). Each must open it; SQLite's busy_timeout (the store's call timeout,
 * 1 s) is there to make the others wait.
 *
 * Several processes each open a series of fresh files, all processes opening file i at the same
 * instant (a busy-wait to a shared start time), then the same files again once they exist.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUN, ROOT, spawnProcess } from './support/process.ts';

setDefaultTimeout(60_000);

const PROCESSES = 2;
const ROUNDS = 200;
const ROUND_MS = 20;

/** Opens `<dir>/db-<i>/state.db` for i < ROUNDS, round i at T0 + i * ROUND_MS; prints one JSON line. */
const OPENER = `import { createSqliteStore } from ${JSON.stringify(join(ROOT, 'src', 'state', 'sqlite-store.ts'))};
const [dir, t0] = [process.argv[2], Number(process.argv[3])];
const failures = [];
for (let i = 0; i < ${ROUNDS}; i++) {
  const at = t0 + i * ${ROUND_MS};
  while (Date.now() < at) {}
  try {
    const store = createSqliteStore(dir + '/db-' + i + '/state.db');
    await store.close();
  } catch (error) {
    failures.push({ round: i, message: String(error.message).replace(dir, 'DIR') });
  }
}
console.log(JSON.stringify({ failures }));
`;

/** Runs PROCESSES openers over the files of `dir` at once; every failure they report. */
async function openTogether(dir: string, script: string): Promise<{ round: number; message: string }[]> {
  const t0 = Date.now() + 2000; // every process started and compiled by then
  const procs = Array.from({ length: PROCESSES }, () => spawnProcess([BUN, script, dir, String(t0)]));
  const timer = setTimeout(() => procs.forEach((p) => p.kill('SIGKILL')), 45_000);
  try {
    const codes = await Promise.all(procs.map((p) => p.exited));
    const failures: { round: number; message: string }[] = [];
    for (const [i, p] of procs.entries()) {
      expect({ process: i, code: codes[i], stderr: p.stderr.join('\n') }).toMatchObject({ process: i, code: 0 });
      const line = p.stdout.find((l) => l.startsWith('{'));
      if (!line) throw new Error(`opener ${i} printed no result: ${p.stdout.join('\n')}`);
      failures.push(...(JSON.parse(line) as { failures: { round: number; message: string }[] }).failures);
    }
    return failures;
  } finally {
    clearTimeout(timer);
    procs.forEach((p) => p.kill('SIGKILL'));
  }
}

describe('several processes opening one SQLite state file at once', () => {
  // On a NEW file, `PRAGMA journal_mode = WAL` answers SQLITE_BUSY at once when another process
  // is switching the same file to WAL (SQLite does not call the busy handler for that lock
  // upgrade); the store retries it until busy_timeout has passed, so every process opens it.
  test('each process opens a new file that the others are opening too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-race-'));
    try {
      const script = join(dir, 'open.ts');
      writeFileSync(script, OPENER);
      const failures = await openTogether(dir, script);
      expect({ failed: failures.length, of: PROCESSES * ROUNDS, first: failures.slice(0, 2) }).toEqual({ failed: 0, of: PROCESSES * ROUNDS, first: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('each process opens an existing (WAL) file that the others are opening too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-race-'));
    try {
      const script = join(dir, 'open.ts');
      writeFileSync(script, OPENER);
      // Create every file first, one process alone.
      const single = spawnProcess([BUN, script, dir, '0']); // start time 0: no waiting between files
      expect(await single.exited).toBe(0);
      expect(JSON.parse(single.stdout.find((l) => l.startsWith('{'))!)).toEqual({ failures: [] });
      expect(await openTogether(dir, script)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
