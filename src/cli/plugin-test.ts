import { constants } from 'node:os';

export const pluginTestHelp = `Usage: gatehouse plugin test [FILES...] [OPTIONS]

Runs a plugin's tests (*.test.ts and the like, in the current folder and below, or FILES) with
the test runner built into Gatehouse (Bun's, whose bun:test they import). 'gatehouse/plugin' and
'gatehouse/testing' come from Gatehouse itself: the folder needs no package.json, no
node_modules and no Bun install.

FILES and OPTIONS go to the runner unchanged, for example:
  -t, --test-name-pattern PATTERN   run only the tests whose name matches
  --watch                           run again whenever a file changes
  --timeout MS                      time allowed per test (default 5000)
  --bail                            stop at the first failure

Exits 0 when every test passes; otherwise with the runner's status (1 when a test fails).`;

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** `gatehouse plugin test [FILES...] [OPTIONS]`: the runner's exit status; 0 when every test passes. */
export async function pluginTestCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) return console.log(pluginTestHelp), 0;
  const sdk = (await loadSdk()).writePluginSdk();
  try {
    // Run from source, process.execPath is bun itself; the compiled binary becomes Bun's CLI
    // when BUN_BE_BUN is set, test runner included.
    const runner = Bun.spawn([process.execPath, 'test', '--preload', sdk.preload, ...args], {
      env: { ...process.env, BUN_BE_BUN: '1' },
      stdio: ['inherit', 'inherit', 'inherit'],
    });
    // The runner shares the terminal; a signal sent to Gatehouse alone still reaches it, and
    // Gatehouse waits for it to finish before deleting the SDK folder.
    const forward = (signal: NodeJS.Signals) => runner.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    try {
      await runner.exited;
    } finally {
      for (const signal of FORWARDED) process.off(signal, forward);
    }
    if (runner.exitCode !== null) return runner.exitCode;
    return 128 + (runner.signalCode ? constants.signals[runner.signalCode as NodeJS.Signals] : 0);
  } finally {
    sdk.remove();
  }
}

/** Loaded on demand, as its bundles come from a Bun macro (see plugin-init.ts typesFile). */
async function loadSdk(): Promise<typeof import('./plugin-sdk.ts')> {
  try {
    return await import('./plugin-sdk.ts');
  } catch (error) {
    throw new Error(`cannot bundle the plugin SDK (${(error as Error).message}); run "plugin test" with the gatehouse binary`);
  }
}
