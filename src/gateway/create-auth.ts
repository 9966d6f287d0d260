import { createAuthRuntime } from '../auth/index.ts';
import type { LoadedConfig } from '../config/load.ts';
import { ConfigError } from '../config/errors.ts';
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
  const state = openConfiguredState(loaded, log, process);
  log.debug('state store', { url: redactRedisUrl(setting.url), defaulted: setting.defaulted });
  const sessionState = setting.url === 'memory' && process?.memorySessions ? kept(process.memorySessions) : undefined;
  try {
    return await createAuthRuntime(loaded.config, { log, routeOrigins, state, sessionState, stateGraceMs: setting.graceMs });
  } catch (error) {
    await state.close();
    throw error;
  }
}

/**
 * The config's state store (`process.memoryState` for `memory`, kept open across reloads).
 * Throws a ConfigError at `state` when it cannot be opened (an unwritable folder, a bad URL).
 */
export function openConfiguredState(loaded: LoadedConfig, log: Logger, process?: ProcessState): StateStore {
  const setting = stateSetting(loaded.config, loaded.dir, loaded.env);
  try {
    if (setting.url === 'memory' && process?.memoryState) return kept(process.memoryState);
    return openStateStore(setting.url, { prefix: setting.prefix, callTimeoutMs: setting.timeoutMs, baseDir: loaded.dir, log: log.child({ component: 'state' }) });
  } catch (error) {
    const hint = setting.defaulted ? ' (the default for several workers; set state: or GATEHOUSE_STATE_DIR to a writable folder)' : '';
    throw new ConfigError([loaded.problem(['state'], `${(error as Error).message}${hint}`)]);
  }
}

/**
 * `createAuth` for `gatehouse check`: the same runtime on a throwaway in-memory state, so a check
 * neither connects to Redis nor creates a SQLite file. The state setting is still read and parsed.
 */
export function createAuthForCheck(loaded: LoadedConfig, routeOrigins: string[], log: Logger): Promise<AuthRuntime> {
  const setting = stateSetting(loaded.config, loaded.dir, loaded.env);
  try {
    parseStateSpec(setting.url, loaded.dir);
  } catch (error) {
    throw new ConfigError([loaded.problem(['state'], (error as Error).message)]);
  }
  return createAuthRuntime(loaded.config, { log, routeOrigins });
}

/** `store` for one config: retiring the config leaves it open for the next. */
function kept(store: StateStore): StateStore {
  return { ...store, close: async () => {} };
}
