/**
 * The compiled executable for tests: `ensureBinary()` builds `dist/gatehouse` with
 * `scripts/build.ts` when it is missing or older than its sources; `bareFolder()` makes a temp
 * folder with no node_modules on the way up, as a downloaded binary's user has.
 */
import { expect } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BUN, ROOT, spawnProcess } from './process.ts';

export const BINARY = join(ROOT, 'dist', process.platform === 'win32' ? 'gatehouse.exe' : 'gatehouse');

/** Newest modification time of the files the binary is built from (tests excluded). */
function newestSource(): number {
  let newest = 0;
  const visit = (path: string) => {
    const s = statSync(path);
    if (s.isDirectory()) {
      for (const name of readdirSync(path)) if (name !== 'node_modules' && !name.endsWith('.test.ts')) visit(join(path, name));
    } else newest = Math.max(newest, s.mtimeMs);
  };
  for (const p of ['src', 'plugins', 'package.json', 'scripts/build.ts', 'scripts/bundle-plugin-sdk.ts', 'docs']) if (existsSync(join(ROOT, p))) visit(join(ROOT, p));
  return newest;
}

/** Builds the binary unless it is newer than every source; returns its path. */
export async function ensureBinary(): Promise<string> {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= newestSource()) return BINARY;
  const build = spawnProcess([BUN, join(ROOT, 'scripts', 'build.ts')]);
  const code = await build.exited;
  if (code !== 0) throw new Error(`build failed (${code}):\n${build.stdout.join('\n')}\n${build.stderr.join('\n')}`);
  return BINARY;
}

/** A folder under the system temp dir holding `files`, checked to have no node_modules on the way up. */
export function bareFolder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bare-'));
  for (let d = dir; ; d = dirname(d)) {
    expect(existsSync(join(d, 'node_modules'))).toBe(false);
    if (dirname(d) === d) break;
  }
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
