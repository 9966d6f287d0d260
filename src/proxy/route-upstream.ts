import type { RouteConfig } from '../config/schema.ts';
import { retryPolicy } from './retry.ts';
import { UpstreamPool } from './upstream-pool.ts';
import { compileUpstreamTls, type TlsSettingProblem } from './upstream-tls.ts';

type RouteUpstreamSettings = Pick<
  RouteConfig,
  'to' | 'timeout' | 'tls_custom_ca' | 'tls_server_name' | 'tls_client_cert' | 'tls_client_key' | 'tls_skip_verify' | 'lb_policy' | 'health_check' | 'retry'
>;

/** The TLS keys as people write them (the PEM ones come from files). */
const TLS_KEY_NAMES = {
  tls_custom_ca: 'tls_custom_ca_file',
  tls_server_name: 'tls_server_name',
  tls_client_cert: 'tls_client_cert_file',
  tls_client_key: 'tls_client_key_file',
  tls_skip_verify: 'tls_skip_verify',
} as const;

/** A problem or warning about one key of the route (`key` as the schema names it). */
export interface RouteKeyNote {
  key: string;
  message: string;
}

/**
 * A route's own upstream pool from its keys (`to`, `timeout`, `tls_*`, `lb_policy`,
 * `health_check`, `retry`), compiled once at load. `problems` make the config invalid;
 * `warnings` (`tls_skip_verify`, TLS keys on a route with no `https://` upstream) are printed by
 * `gatehouse check` and logged at start.
 */
export function createRouteUpstream(route: RouteUpstreamSettings): { pool: UpstreamPool; problems: TlsSettingProblem[]; warnings: RouteKeyNote[] } {
  const { tls, problems } = compileUpstreamTls(route);
  const warnings: RouteKeyNote[] = [];
  if (route.tls_skip_verify) {
    warnings.push({
      key: 'tls_skip_verify',
      message: 'tls_skip_verify: true: the upstream certificate is NOT verified, so anyone on the network path can pose as the upstream and read every request, cookies and identity assertions included; give its CA with tls_custom_ca_file instead',
    });
  }
  const urls = typeof route.to === 'string' ? [route.to] : route.to;
  if (tls && !urls.some((u) => u.toLowerCase().startsWith('https:'))) {
    const key = (Object.keys(TLS_KEY_NAMES) as (keyof typeof TLS_KEY_NAMES)[]).find((k) => route[k] !== undefined && route[k] !== false)!;
    warnings.push({ key, message: `${TLS_KEY_NAMES[key]} has no effect: every upstream in to is http://` });
  }
  const pool = new UpstreamPool(route.to, route.timeout, { tls, lbPolicy: route.lb_policy, retry: retryPolicy(route.retry), healthCheck: route.health_check });
  return { pool, problems, warnings };
}
