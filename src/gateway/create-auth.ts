import { createAuthRuntime } from '../auth/index.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { Logger } from '../plugin-api/index.ts';
import type { AuthRuntime } from '../auth/index.ts';

/**
 * Builds the sign-in runtime (keys, sessions, endpoints) for a config. Which routes
 * `/.gatehouse/token` issues tokens for is up to their plugins (`session.acceptIssuedTokens()`).
 */
export function createAuth(loaded: LoadedConfig, routeOrigins: string[], log: Logger): Promise<AuthRuntime> {
  return createAuthRuntime(loaded.config, { log, routeOrigins });
}
