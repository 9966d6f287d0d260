import type { Plugin } from '../plugin-api/index.ts';

/** The built-in plugins, registered exactly as a user's plugin would be. */
export const builtinPlugins = new Map<string, Plugin>(
  ([] as Plugin[]).map((p) => [p.name, p]),
);
