import type { LoadedConfig } from '../config/load.ts';
import type { AuthRuntime } from './auth-runtime.ts';
import { noAuthRuntime } from './no-auth.ts';

/** The sign-in runtime for a config. */
export function createAuth(_loaded: LoadedConfig, _routeOrigins: string[]): AuthRuntime {
  return noAuthRuntime();
}
