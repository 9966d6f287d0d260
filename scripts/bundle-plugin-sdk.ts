/**
 * Bundles the plugin SDK, `gatehouse/plugin` (src/plugin-api/index.ts) and `gatehouse/testing`
 * (src/testing/index.ts), into one ESM file each for `gatehouse plugin test`.
 *   bun scripts/bundle-plugin-sdk.ts          prints {"plugin": "...", "testing": "..."} as JSON
 *   bun scripts/bundle-plugin-sdk.ts DIR      writes DIR/plugin.js and DIR/testing.js
 * src/cli/plugin-sdk-bundle.ts runs it while the binary is built (Bun.build cannot run inside a
 * macro), so the binary carries the bundles as text.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const src = join(import.meta.dir, '..', 'src');

export interface PluginSdkBundles {
  /** `gatehouse/plugin`: definePlugin, OptionProblems. */
  plugin: string;
  /** `gatehouse/testing`, the whole engine; it imports the API from `./plugin.js`, so both share one `OptionProblems`. */
  testing: string;
}

/** Bundles both (target bun, ESM, syntax-minified). */
export async function bundlePluginSdk(): Promise<PluginSdkBundles> {
  return {
    plugin: await bundle(join(src, 'plugin-api', 'index.ts'), false),
    testing: await bundle(join(src, 'testing', 'index.ts'), true),
  };
}

async function bundle(entry: string, apiFromSibling: boolean): Promise<string> {
  const result = await Bun.build({
    entrypoints: [entry],
    target: 'bun',
    format: 'esm',
    minify: { syntax: true },
    plugins: apiFromSibling
      ? [{ name: 'gatehouse-plugin-api', setup: (b) => void b.onResolve({ filter: /plugin-api\/index\.ts$/ }, () => ({ path: './plugin.js', external: true })) }]
      : [],
  });
  const [output] = result.outputs;
  if (!result.success || !output || result.outputs.length !== 1) throw new Error(`cannot bundle ${entry}:\n${result.logs.map(String).join('\n')}`);
  return output.text();
}

if (import.meta.main) {
  const bundles = await bundlePluginSdk();
  const dir = process.argv[2];
  if (dir) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'plugin.js'), bundles.plugin);
    writeFileSync(join(dir, 'testing.js'), bundles.testing);
  } else process.stdout.write(JSON.stringify(bundles));
}
