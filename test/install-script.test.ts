/**
 * install.sh against a fake release served on 127.0.0.1, run by dash (`sh` on Debian) to keep
 * it POSIX: it installs the binary for the platform it detects (GATEHOUSE_OS/GATEHOUSE_ARCH
 * stand in for uname), and refuses, installing nothing and leaving no download behind, when the
 * checksum does not match, SHA256SUMS has no line for the file, a file is missing (404), or the
 * platform has no build.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, spawnProcess } from './support/process.ts';
import { toolOrSkip } from './support/required-tool.ts';

const SHELL = Bun.which('dash') ?? Bun.which('sh')!;
const INSTALL_SH = join(ROOT, 'install.sh');
const PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];

/** A stand-in binary: a script that answers `version` with which build it is. */
const fakeBinary = (platform: string) => `#!/bin/sh\n[ "$1" = version ] && echo "9.9.9-test ${platform}"\n`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sums = (files: Record<string, string>) =>
  Object.entries(files)
    .map(([name, body]) => `${sha256(body)}  ${name}\n`)
    .join('');

/** The fake releases, by folder: each a map of file name to contents. */
function releases(): Record<string, Record<string, string>> {
  const good = Object.fromEntries(PLATFORMS.map((p) => [`gatehouse-${p}`, fakeBinary(p)]));
  const corrupt = { ...good, 'gatehouse-linux-x64': fakeBinary('linux-x64') + 'echo tampered\n' };
  const { 'gatehouse-linux-x64': _, ...withoutLinux } = good;
  return {
    good: { ...good, SHA256SUMS: sums(good) },
    corrupt: { ...corrupt, SHA256SUMS: sums(good) },
    'no-line': { ...good, SHA256SUMS: sums(withoutLinux) },
    'two-lines': { ...good, SHA256SUMS: sums(good) + sums({ 'gatehouse-linux-x64': 'other' }) },
    'no-binary': { SHA256SUMS: sums(good) },
    'no-sums': good,
  };
}

let server: ReturnType<typeof Bun.serve>;
const requested: string[] = [];
let work: string;

beforeAll(() => {
  const files = releases();
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      const path = new URL(request.url).pathname;
      requested.push(path);
      const [, release, name] = path.split('/');
      const body = files[release!]?.[name!];
      return body === undefined ? new Response('Not Found', { status: 404 }) : new Response(body);
    },
  });
});
afterAll(() => server.stop(true));

afterEach(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  requested.length = 0;
});

/** Runs install.sh into a fresh folder; TMPDIR is a folder of its own, to see what is left there. */
async function install(options: { release?: string; os?: string; arch?: string; onPath?: boolean; env?: Record<string, string | undefined> } = {}) {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-install-test-'));
  const dir = join(work, 'bin');
  const temp = join(work, 'tmp');
  Bun.spawnSync(['mkdir', temp]);
  const p = spawnProcess([SHELL, INSTALL_SH], {
    cwd: work,
    env: {
      GATEHOUSE_DOWNLOAD_BASE: `http://127.0.0.1:${server.port}/${options.release ?? 'good'}`,
      GATEHOUSE_OS: options.os ?? 'Linux',
      GATEHOUSE_ARCH: options.arch ?? 'x86_64',
      GATEHOUSE_INSTALL_DIR: dir,
      GATEHOUSE_VERSION: undefined,
      TMPDIR: temp,
      PATH: options.onPath ? `${dir}:${process.env.PATH}` : process.env.PATH,
      ...options.env,
    },
  });
  const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
  const code = await p.exited;
  clearTimeout(timer);
  const installed = join(dir, 'gatehouse');
  return { code, stdout: p.stdout.join('\n'), stderr: p.stderr.join('\n'), dir, installed, leftovers: readdirSync(temp) };
}

/** Runs the installed file and returns what it printed. */
function runInstalled(path: string): string {
  const result = Bun.spawnSync([path, 'version']);
  expect(result.exitCode).toBe(0);
  return result.stdout.toString().trim();
}

describe('install.sh installs', () => {
  test('the binary for the platform, verified, executable, and says what to run next', async () => {
    const r = await install();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(statSync(r.installed).mode & 0o111).toBe(0o111);
    expect(runInstalled(r.installed)).toBe('9.9.9-test linux-x64');
    expect(r.stdout).toContain('checksum verified');
    expect(r.stdout).toContain(`${r.installed} demo`);
    expect(r.stdout).toContain(`${r.installed} run -c gatehouse.yaml`);
    expect(r.stdout).toContain(`warning: ${r.dir} is not on your PATH`);
    expect(readdirSync(r.dir)).toEqual(['gatehouse']); // no half-copied file left beside it
    expect(r.leftovers).toEqual([]);
  });

  test.each([
    ['Linux', 'x86_64', 'linux-x64'],
    ['Linux', 'amd64', 'linux-x64'],
    ['Linux', 'aarch64', 'linux-arm64'],
    ['Darwin', 'x86_64', 'darwin-x64'],
    ['Darwin', 'arm64', 'darwin-arm64'],
  ])('on %s %s: gatehouse-%s', async (os, arch, platform) => {
    const r = await install({ os, arch });
    expect(r.code).toBe(0);
    expect(runInstalled(r.installed)).toBe(`9.9.9-test ${platform}`);
    expect(requested).toEqual([`/good/gatehouse-${platform}`, '/good/SHA256SUMS']);
  });

  // macOS has `shasum -a 256` and no sha256sum: a PATH of the script's tools without sha256sum.
  // Perl's shasum is on every Debian with perl; missing, a loud skip locally and a failure in CI.
  const shasum = toolOrSkip(Bun.which('shasum') ?? undefined, { name: 'shasum', lookedAt: 'PATH', aptPackage: 'perl' }, 'the shasum install path');
  test.skipIf(!shasum)('with shasum where there is no sha256sum', async () => {
    const tools = mkdtempSync(join(tmpdir(), 'gatehouse-install-tools-'));
    try {
      for (const tool of ['curl', 'awk', 'cut', 'tr', 'mktemp', 'rm', 'mkdir', 'chmod', 'cp', 'mv', 'shasum']) symlinkSync(Bun.which(tool)!, join(tools, tool));
      const r = await install({ env: { PATH: tools } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(runInstalled(r.installed)).toBe('9.9.9-test linux-x64');
      rmSync(work, { recursive: true, force: true });
      const corrupt = await install({ release: 'corrupt', env: { PATH: tools } });
      expect(corrupt.code).not.toBe(0);
      expect(corrupt.stderr).toContain('checksum mismatch');
    } finally {
      rmSync(tools, { recursive: true, force: true });
    }
  });

  test('into a folder on PATH: no warning, and the next command is plain `gatehouse`', async () => {
    const r = await install({ onPath: true });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('warning');
    expect(r.stdout).toContain('next: gatehouse demo');
  });
});

describe('install.sh refuses, installing nothing', () => {
  const refused = (r: Awaited<ReturnType<typeof install>>) => {
    expect(r.code).not.toBe(0);
    expect(existsSync(r.installed)).toBe(false);
    expect(r.leftovers).toEqual([]); // the download is deleted
  };

  test.each([
    ['a download whose checksum does not match', 'corrupt', 'checksum mismatch for gatehouse-linux-x64'],
    ['a SHA256SUMS with no line for the file', 'no-line', 'SHA256SUMS has no line for gatehouse-linux-x64'],
    ['a SHA256SUMS with two lines for the file', 'two-lines', 'more than one line'],
    ['a binary that is not there (404)', 'no-binary', 'could not download http://127.0.0.1:PORT/no-binary/gatehouse-linux-x64'],
    ['a SHA256SUMS that is not there (404)', 'no-sums', 'could not download http://127.0.0.1:PORT/no-sums/SHA256SUMS'],
  ])('%s', async (_, release, message) => {
    const r = await install({ release });
    refused(r);
    expect(r.stderr).toContain(message.replace('PORT', String(server.port)));
  });

  test.each([
    ['Linux', 'riscv64', 'no Gatehouse release for the processor "riscv64" on linux'],
    ['Linux', 'armv7l', 'no Gatehouse release for the processor "armv7l" on linux'],
    ['FreeBSD', 'amd64', 'no Gatehouse release for the operating system "FreeBSD"'],
    ['MINGW64_NT-10.0-19045', 'x86_64', 'download gatehouse-windows-x64.exe'],
  ])('an unknown platform: %s %s', async (os, arch, message) => {
    const r = await install({ os, arch });
    refused(r);
    expect(r.stderr).toContain(message);
    expect(requested).toEqual([]);
  });

  test('without a download base, the repository copy (not naming a release repository)', async () => {
    const r = await install({ env: { GATEHOUSE_DOWNLOAD_BASE: undefined, GATEHOUSE_VERSION: '1.0.0' } });
    refused(r);
    expect(r.stderr).toContain('does not name a release repository');
  });
});
