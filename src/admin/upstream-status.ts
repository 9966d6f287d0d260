import type { Admin } from './admin-state.ts';

/** One upstream member as `GET /status` shows it. */
export interface UpstreamMemberStatus {
  upstream: string;
  /** Whether requests go to it now. */
  healthy: boolean;
  /** `up`, `cooling_down` (passive: refused or timed out), or `failing_checks` (active). */
  state: 'up' | 'cooling_down' | 'failing_checks';
  /** Requests sent to it still waiting for response headers. */
  in_flight: number;
  /** When it may take requests again (ISO 8601), while it is out. */
  back_at?: string;
  last_error?: string;
  last_error_at?: string;
}

/** One route's upstream pool as `GET /status` shows it. */
export interface RouteUpstreamStatus {
  route: string;
  from: string;
  lb_policy: string;
  health_check: boolean;
  members: UpstreamMemberStatus[];
}

/** Something that can say how its upstream members are (a route's pool). */
export interface UpstreamStatusSource {
  readonly route: string;
  status(now: number): RouteUpstreamStatus;
}

/** The upstream pools of the configs a process serves, for `/status` and `/metrics`. */
export interface UpstreamRegistry {
  /** Adds a route's pool; the returned function removes it (when its config is retired). */
  add(source: UpstreamStatusSource): () => void;
  /** Every route's pool; during a reload the newer config's pool of a route id wins. */
  routes(now?: number): RouteUpstreamStatus[];
}

const registries = new WeakMap<Admin, UpstreamRegistry>();

/**
 * The registry of `admin`'s process, made on first use; making it adds the gauge
 * `gatehouse_upstream_healthy{route,upstream}` (1 when requests go to the member) to
 * `admin.metrics`.
 */
export function upstreamRegistry(admin: Admin): UpstreamRegistry {
  let registry = registries.get(admin);
  if (registry) return registry;
  const sources: UpstreamStatusSource[] = [];
  registry = {
    add(source) {
      sources.push(source);
      return () => {
        const at = sources.indexOf(source);
        if (at !== -1) sources.splice(at, 1);
      };
    },
    routes(now = Date.now()) {
      const latest = new Map<string, UpstreamStatusSource>();
      for (const source of sources) latest.set(source.route, source);
      return [...latest.values()].map((s) => s.status(now)).sort((a, b) => routeOrder(a.route) - routeOrder(b.route));
    },
  };
  registries.set(admin, registry);
  const current = registry;
  admin.metrics.gauge('gatehouse_upstream_healthy', 'Whether requests go to the upstream member (1) or it is out: cooling down or failing health checks (0).', () =>
    current.routes().flatMap((r) => r.members.map((m) => [{ route: r.route, upstream: m.upstream }, m.healthy ? 1 : 0] as const)),
  );
  return registry;
}

/** `routes[12]` → 12, so routes list in config order. */
const routeOrder = (id: string) => Number(/\d+/.exec(id)?.[0] ?? 0);
