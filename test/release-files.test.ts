/**
 * The GitHub workflows: CI runs .ci/run on every push and pull request; a `v*` tag builds every
 * target with the tag's version and publishes the binaries, SHA256SUMS and an install.sh that
 * names the repository. The shell snippets that compute something are run here, not just read.
 */
import { describe, expect, test } from 'bun:test';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './support/process.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, { tags?: string[]; branches?: string[] } | null>;
  permissions?: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; container?: { image: string }; steps: Step[] }>;
}

const workflow = (name: string) => parse(readFileSync(join(ROOT, '.github', 'workflows', name), 'utf8')) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps);
const ALLOWED_ACTIONS = /^actions\/(checkout|setup-node)@v\d+$/;

/** Runs `script` with bash in `cwd`, with `env` added; returns stdout. */
function bash(script: string, cwd: string, env: Record<string, string>): string {
  const result = Bun.spawnSync(['bash', '-euo', 'pipefail', '-c', script], { cwd, env: { ...process.env, ...env }, stderr: 'pipe' });
  if (result.exitCode !== 0) throw new Error(`bash failed (${result.exitCode}): ${script}\n${result.stderr.toString()}`);
  return result.stdout.toString();
}

describe('ci.yml', () => {
  const ci = workflow('ci.yml');

  test('runs on every push and every pull request', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(ci.on.push).toBeNull(); // no branch or tag filter
    expect(ci.on.pull_request).toBeNull();
  });

  test('runs .ci/run on an Ubuntu runner in Debian with Node 20', () => {
    const [job] = Object.values(ci.jobs);
    expect(job!['runs-on']).toStartWith('ubuntu-');
    expect(job!.container?.image).toMatch(/^node:20-(bookworm|trixie)/);
    expect(steps(ci).some((s) => s.run?.trim() === 'bash .ci/run')).toBe(true);
    const setupNode = steps(ci).find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(String(setupNode?.with?.['node-version'])).toBe('20');
  });

  test('uses no third-party actions and can only read the repository', () => {
    for (const s of steps(ci)) if (s.uses) expect(s.uses).toMatch(ALLOWED_ACTIONS);
    expect(ci.permissions).toEqual({ contents: 'read' });
  });
});

describe('release.yml', () => {
  const release = workflow('release.yml');
  const all = steps(release);
  const runs = all.flatMap((s) => (s.run ? [s.run] : []));
  const buildStep = all.find((s) => s.run?.includes('npm run build:all'));
  const installStep = all.find((s) => s.run?.includes('install.sh') && !s.run.includes('gh release'));
  const publishStep = all.find((s) => s.run?.includes('gh release upload'));

  test('runs on v* tags only', () => {
    expect(Object.keys(release.on)).toEqual(['push']);
    expect(release.on.push).toEqual({ tags: ['v*'] });
  });

  test('installs with npm ci before building', () => {
    const ci = runs.findIndex((r) => /^npm ci\b/m.test(r));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(ci).toBeLessThan(runs.indexOf(buildStep!.run!));
  });

  test('builds every target with the version from the tag, without its v', () => {
    const lines = buildStep!.run!.split('\n');
    const exportLine = lines.find((l) => /GATEHOUSE_VERSION=/.test(l))!;
    expect(lines.indexOf(exportLine)).toBeLessThan(lines.findIndex((l) => l.includes('npm run build:all')));
    expect(bash(`${exportLine}\nprintf %s "$GATEHOUSE_VERSION"`, tmpdir(), { GITHUB_REF_NAME: 'v1.2.3-rc.1' })).toBe('1.2.3-rc.1');
  });

  test('publishes the binaries, SHA256SUMS and install.sh with the token GitHub gives the workflow', () => {
    const upload = publishStep!.run!.slice(publishStep!.run!.indexOf('gh release upload'));
    expect(upload).toContain('dist/gatehouse-*');
    expect(upload).toContain('dist/SHA256SUMS');
    expect(upload).toContain('dist/install.sh');
    expect(publishStep!.run).toContain('gh release create');
    expect(publishStep!.env?.GH_TOKEN).toBe('${{ secrets.GITHUB_TOKEN }}');
    expect(release.permissions).toEqual({ contents: 'write' });
    for (const s of all) if (s.uses) expect(s.uses).toMatch(ALLOWED_ACTIONS);
  });

  test('the published install.sh names this repository and is otherwise the same script', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-release-'));
    try {
      mkdirSync(join(dir, 'dist'));
      copyFileSync(join(ROOT, 'install.sh'), join(dir, 'install.sh'));
      bash(installStep!.run!, dir, { GITHUB_REPOSITORY: 'acme/gatehouse' });
      const original = readFileSync(join(ROOT, 'install.sh'), 'utf8').split('\n');
      const published = readFileSync(join(dir, 'dist', 'install.sh'), 'utf8').split('\n');
      const changed = published.flatMap((line, i) => (line === original[i] ? [] : [line]));
      expect(changed).toEqual(['GATEHOUSE_REPO="acme/gatehouse"']);
      expect(published.length).toBe(original.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('scripts/build.ts makes every binary install.sh can ask for', () => {
    const build = readFileSync(join(ROOT, 'scripts', 'build.ts'), 'utf8');
    const targets = JSON.parse(/const TARGETS = (\[[^\]]*\])/.exec(build)![1]!.replaceAll("'", '"')) as string[];
    for (const os of ['linux', 'darwin']) for (const arch of ['x64', 'arm64']) expect(targets).toContain(`${os}-${arch}`);
    expect(targets).toContain('windows-x64'); // install.sh points Windows users to gatehouse-windows-x64.exe
    expect(build).toContain('`gatehouse-${target}${target.startsWith(\'windows\') ? \'.exe\' : \'\'}`');
    expect(build).toContain("join(dist, 'SHA256SUMS')");
  });
});
