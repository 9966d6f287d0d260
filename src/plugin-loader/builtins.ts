import headerJwt from '../../plugins/header-jwt/index.ts';
import originExemption from '../../plugins/origin-exemption/index.ts';
import pathPrefix from '../../plugins/path-prefix/index.ts';
import preflight from '../../plugins/preflight/index.ts';
import trustCookie from '../../plugins/trust-cookie/index.ts';
import type { Plugin } from '../plugin-api/index.ts';

/** The built-in plugins, registered exactly as a user's plugin would be. */
export const builtinPlugins = new Map<string, Plugin>(
  ([preflight, originExemption, pathPrefix, headerJwt, trustCookie] as Plugin[]).map((p) => [p.name, p]),
);
