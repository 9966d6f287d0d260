/**
 * Builds the single-file `gatehouse` executable with the version baked in.
 *   bun scripts/build.ts          host binary at dist/gatehouse
 *   bun scripts/build.ts --all    every release target plus dist/SHA256SUMS
 * The version is $GATEHOUSE_VERSION (the release workflow passes the tag without its `v`), else
 * package.json's version with the git commit when there is one.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pkg from '../package.json' with { type: 'json' };

const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'windows-x64'] as const;
const root = join(import.meta.dir, '..');
const dist = join(root, 'dist');
// A container build has neither git nor .git; an empty GATEHOUSE_VERSION (an unset build ARG) means "not given".
const git = Bun.which('git');
const commit = git ? Bun.spawnSync([git, 'rev-parse', '--short', 'HEAD'], { cwd: root, stderr: 'ignore' }).stdout.toString().trim() : '';
const version = process.env.GATEHOUSE_VERSION || `${pkg.version}${commit ? `+${commit}` : ''}`;

async function build(target: string | undefined, outfile: string): Promise<void> {
  const args = ['build', '--compile', '--minify-syntax', '--sourcemap=none', `--define=GATEHOUSE_VERSION=${JSON.stringify(version)}`];
  if (target) args.push(`--target=bun-${target}`);
  args.push(join(root, 'src/main.ts'), '--outfile', outfile);
  const proc = Bun.spawnSync([process.execPath, ...args], { cwd: root, stdout: 'inherit', stderr: 'inherit' });
  if (proc.exitCode !== 0) throw new Error(`bun build failed for ${target ?? 'host'}`);
}

mkdirSync(dist, { recursive: true });
if (process.argv.includes('--all')) {
  const sums: string[] = [];
  for (const target of TARGETS) {
    const file = `gatehouse-${target}${target.startsWith('windows') ? '.exe' : ''}`;
    await build(target, join(dist, file));
    sums.push(`${createHash('sha256').update(readFileSync(join(dist, file))).digest('hex')}  ${file}`);
  }
  writeFileSync(join(dist, 'SHA256SUMS'), sums.join('\n') + '\n');
  console.log(`built ${TARGETS.length} targets, version ${version}; checksums in dist/SHA256SUMS`);
} else {
  await build(undefined, join(dist, 'gatehouse'));
  console.log(`built dist/gatehouse, version ${version}`);
}
