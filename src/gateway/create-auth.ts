import { createAuthRuntime } from '../auth/index.ts';
import type { LoadedConfig } from '../config/load.ts';
import { stateSetting } from '../config/state-setting.ts';
import type { Logger } from '../plugin-api/index.ts';
import type { AuthRuntime } from '../auth/index.ts';
import type { ProcessState } from './gateway.ts';
import type { StateStore } from '../state/store.ts';
import { openStateStore, parseStateSpec, redactRedisUrl } from '../state/index.ts';

/**
 * Builds the sign-in runtime (keys, sessions, endpoints) for a config, on the config's shared
 * state (`state`, or its default). Which routes `/.gatehouse/token` issues tokens for is up to
 * their plugins (`session.acceptIssuedTokens()`).
 */
export async function createAuth(loaded: LoadedConfig, routeOrigins: string[], log: Logger, process?: ProcessState): Promise<AuthRuntime> {
  const setting = stateSetting(loaded.config, loaded.dir, loaded.env);
  const state =
    setting.url === 'memory' && process?.memoryState
      ? kept(process.memoryState)
      : openStateStore(setting.url, { prefix: setting.prefix, callTimeoutMs: setting.timeoutMs, baseDir: loaded.dir, log: log.child({ component: 'state' }) });
  log.debug('state store', { url: redactRedisUrl(setting.url), defaulted: setting.defaulted });
  try {
    return await createAuthRuntime(loaded.config, { log, routeOrigins, state, stateGraceMs: setting.graceMs });
  } catch (error) {
    await state.close();
    throw error;
  }
}

/**
 * `createAuth` for `gatehouse check`: the same runtime on a throwaway in-memory state, so a check
 * neither connects to Redis nor creates a SQLite file. The state setting is still read and parsed.
 */
export function createAuthForCheck(loaded: LoadedConfig, routeOrigins: string[], log: Logger): Promise<AuthRuntime> {
  const setting = stateSetting(loaded.config, loaded.dir, loaded.env);
  parseStateSpec(setting.url, loaded.dir);
  return createAuthRuntime(loaded.config, { log, routeOrigins });
}

/** `store` for one config: retiring the config leaves it open for the next. */
function kept(store: StateStore): StateStore {
  return { ...store, close: async () => {} };
}
