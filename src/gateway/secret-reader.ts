import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PluginServices } from '../plugin-api/index.ts';
import { resolveReference } from '../config/interpolate.ts';

/**
 * Builds `services.secret`: `env` and `file` are read as the config loader reads `${VAR}`
 * (`${VAR:-default}` included) and `_file` keys, from `env` (the environment the config was loaded
 * with) and relative to `configDir`.
 */
export function secretReader(configDir: string, env: Record<string, string | undefined>): PluginServices['secret'] {
  return ({ env: reference, file, value }) => {
    // Option values were resolved when the config loaded; resolving them again would expand a `$$` twice.
    if (value !== undefined) return value;
    if (reference !== undefined) {
      const resolved = resolveReference(reference, env);
      if (!resolved) throw new Error(`secret(): env must be a variable name, or NAME:-default, not ${JSON.stringify(reference)}`);
      if (resolved.missing.length > 0) throw new Error(`environment variable ${resolved.missing[0]} is not set`);
      return resolved.value;
    }
    if (file !== undefined) {
      const path = resolve(configDir, file);
      try {
        return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    throw new Error('secret() needs env, file or value');
  };
}
