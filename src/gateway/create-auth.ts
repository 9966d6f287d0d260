import { createAuthRuntime } from '../auth/index.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { Logger } from '../plugin-api/index.ts';
import type { AuthRuntime } from '../auth/index.ts';

/** Builds the sign-in runtime (keys, sessions, endpoints) for a config. */
export function createAuth(loaded: LoadedConfig, routeOrigins: string[], log: Logger): Promise<AuthRuntime> {
  // `/.gatehouse/token` issues tokens only for the hosts of routes that accept them.
  const tokenAudiences = loaded.config.routes.filter((r) => r.plugins.some((p) => p.use === 'header-jwt')).map((r) => r.from);
  return createAuthRuntime(loaded.config, { log, routeOrigins, tokenAudiences });
}
