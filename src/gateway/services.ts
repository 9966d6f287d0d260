import * as v from 'valibot';
import type { Admin } from '../admin/admin-state.ts';
import type { JwtServices, LocalTtlStoreOptions, Logger, PluginServices, RouteInfo, SharedTtlStoreOptions } from '../plugin-api/index.ts';
import { ipServices } from '../http/cidr.ts';
import { pathServices } from '../http/path/index.ts';
import { timingSafeEqual } from '../http/secure-compare.ts';
import type { ConsumedCredentials } from '../proxy/proxy.ts';
import { UpstreamPool } from '../proxy/upstream-pool.ts';
import { createTtlStore } from '../util/ttl-store.ts';
import type { AuthRuntime } from '../auth/index.ts';
import { jwksTransportWarning } from '../auth/tokens/external-verifier.ts';
import { secretReader } from './secret-reader.ts';
import { createSharedTtlStore, pluginNamespace } from './shared-ttl-store.ts';

/**
 * The services one plugin instance receives: shared engine facilities bound to its route,
 * its own logger and a `warn` that reports into the config's load-time warnings.
 */
export function createServices(options: {
  route: RouteInfo;
  pluginName: string;
  log: Logger;
  auth: AuthRuntime;
  admin: Admin;
  configDir: string;
  warn(message: string): void;
  /** The route's set of credentials plugins consume; the proxy strips them. */
  consumed: ConsumedCredentials;
  /** The environment the config's `${VAR}`s were read from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** The config's `state.timeout`: most time a shared ttlStore call may take. Default 1,000 ms. */
  stateTimeoutMs?: number;
}): PluginServices {
  const { auth, configDir } = options;
  return {
    v,
    log: options.log.child({ route: options.route.id, plugin: options.pluginName }),
    route: options.route,
    warn: options.warn,
    stripFromUpstream({ cookies = [], headers = [] }) {
      for (const name of cookies) options.consumed.cookies.add(name);
      for (const name of headers) options.consumed.headers.add(name.toLowerCase());
    },
    upstream: (urls, o) => new UpstreamPool(urls, o?.timeoutMs ?? 30_000),
    jwt: withTransportWarning(auth.jwt, options.warn),
    session: auth.sessionServices(options.route),
    paths: pathServices,
    ip: ipServices,
    cookies: auth.cookies,
    counter: (name, help) => options.admin.metrics.counter(name, help),
    ttlStore: ((o?: LocalTtlStoreOptions | SharedTtlStoreOptions) =>
      o?.shared === true
        ? createSharedTtlStore(auth.state, { namespace: pluginNamespace(options.route.id, options.pluginName), timeoutMs: options.stateTimeoutMs })
        : createTtlStore(o)) as PluginServices['ttlStore'],
    fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(init?.timeoutMs ?? 5000) }),
    secret: secretReader(configDir, options.env ?? process.env),
    timingSafeEqual,
    configDir,
  };
}

/** `jwt` whose `verifier()` warns, at load, about keys fetched over plain http from another machine. */
function withTransportWarning(jwt: JwtServices, warn: (message: string) => void): JwtServices {
  return {
    ...jwt,
    verifier(issuer) {
      const warning = jwksTransportWarning(issuer);
      if (warning) warn(warning);
      return jwt.verifier(issuer);
    },
  };
}
