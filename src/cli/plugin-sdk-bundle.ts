/**
 * A Bun macro (import it `with { type: 'macro' }`): the plugin SDK bundles, made by
 * scripts/bundle-plugin-sdk.ts when the importing file is bundled or transpiled, so the compiled
 * binary carries them as text. A child process because Bun.build cannot run inside a macro.
 */
import { join } from 'node:path';

/** `{ plugin, testing }`: the text of the `gatehouse/plugin` and `gatehouse/testing` bundles. */
export function pluginSdkBundles(): { plugin: string; testing: string } {
  const script = join(import.meta.dir, '..', '..', 'scripts', 'bundle-plugin-sdk.ts');
  const run = Bun.spawnSync([process.execPath, script], { stdout: 'pipe', stderr: 'pipe' });
  if (run.exitCode !== 0) throw new Error(`${script} failed (${run.exitCode}):\n${run.stderr.toString()}`);
  return JSON.parse(run.stdout.toString());
}
