/**
 * The plugin SDK `gatehouse plugin test` hands the test runner: the `gatehouse/plugin` and
 * `gatehouse/testing` bundles this binary carries (made by scripts/bundle-plugin-sdk.ts at build
 * time, or when this file is first imported from source), written to a fresh private folder with
 * a preload that serves them under those names.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pluginSdkBundles } from './plugin-sdk-bundle.ts' with { type: 'macro' };

const bundles = pluginSdkBundles();

/**
 * Runtime plugins' `onResolve` never fires for bare specifiers (Bun 1.4), so each name is a
 * virtual module re-exporting its file: one copy of each module, whoever imports it.
 * BUN_BE_BUN is dropped from process.env so a test that starts the gatehouse binary with it
 * (node:child_process does by default) gets Gatehouse, not Bun; Bun.spawn without `env` still
 * passes the environment the runner started with.
 */
const PRELOAD = `import { join } from 'node:path';
delete process.env.BUN_BE_BUN;
Bun.plugin({
  name: 'gatehouse plugin SDK',
  setup(build) {
    for (const name of ['plugin', 'testing']) {
      const file = join(import.meta.dir, name + '.js');
      build.module('gatehouse/' + name, () => ({ contents: 'export * from ' + JSON.stringify(file) + ';', loader: 'js' }));
    }
  },
});
`;

export interface WrittenSdk {
  /** The preload file to give `bun test --preload`. */
  preload: string;
  /** Deletes the folder. */
  remove(): void;
}

/**
 * Writes the SDK to a new folder under the system temp folder (mkdtemp: private to this run, so
 * no other user can plant code in it); `remove()` deletes it once the runner is done.
 */
export function writePluginSdk(): WrittenSdk {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-plugin-sdk-'));
  writeFileSync(join(dir, 'plugin.js'), bundles.plugin);
  writeFileSync(join(dir, 'testing.js'), bundles.testing);
  writeFileSync(join(dir, 'preload.js'), PRELOAD);
  return { preload: join(dir, 'preload.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
