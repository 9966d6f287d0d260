/**
 * Tests that need a program from Debian (nginx, redis-server, openssl, curl) skip loudly where it
 * is missing on a developer's machine, and fail in CI (`CI=true` or `1`), where `.ci/run` installs it.
 */

/**
 * `found` (the program's path) when it is there; otherwise a failure under CI, and locally a loud
 * warning and undefined, so the caller skips. `lookedAt` says where it was searched for,
 * `aptPackage` how to install it, `what` which tests cannot run without it.
 */
export function toolOrSkip(found: string | undefined, tool: { name: string; lookedAt: string; aptPackage: string }, what: string): string | undefined {
  if (found) return found;
  const message = `${tool.name} is not installed (looked at ${tool.lookedAt}): ${what} cannot run. Debian/Ubuntu: apt-get install -y ${tool.aptPackage}`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${message} (CI is set, so this is a failure, not a skip)`);
  console.warn(`\n!!!!!!!! SKIPPED: ${message} !!!!!!!!\n`);
  return undefined;
}
