/**
 * Load-time warnings about service tokens and the routes meant for them: a token no route can
 * admit, and a route that takes tokens in headers yet admits users only (a service there gets
 * `403 service_not_allowed`, however `allow_any_authenticated_user` reads).
 */
import type { Config } from '../config/schema.ts';
import { policyRules } from '../policy/policy.ts';

type Route = Config['routes'][number];

export interface ServiceTokenWarning {
  path: (string | number)[];
  message: string;
}

/** Whether a service identity can arise on `route`: `header-jwt` reads tokens, a plugin file might. */
function mayReadServiceTokens(route: Route): boolean {
  return route.plugins.some((p) => p.use === 'header-jwt' || !/^[a-z0-9-]+$/.test(p.use));
}

/**
 * Warnings for `config.service_tokens` at `service_tokens[i].name`, and for routes at
 * `routes[j].policy`. Routes are warned about only when some token is admitted elsewhere (so
 * services are in use) and the route has `header-jwt` (so a service can present its token there).
 */
export function serviceTokenWarnings(config: Config): ServiceTokenWarning[] {
  const out: ServiceTokenWarning[] = [];
  const admitting = (name: string) => config.routes.flatMap((r, j) => (r.policy?.allow?.services?.includes(name) ? [j] : []));
  let admitted: { name: string; route: number } | undefined;
  config.service_tokens.forEach((token, i) => {
    const routes = admitting(token.name);
    const reading = routes.find((j) => mayReadServiceTokens(config.routes[j]!));
    const at = ['service_tokens', i, 'name'];
    if (routes.length === 0) {
      out.push({ path: at, message: `no route admits service token "${token.name}": name it in a route's policy.allow.services (allow_any_authenticated_user admits users only)` });
    } else if (reading === undefined) {
      const list = routes.map((j) => `routes[${j}]`).join(', ');
      out.push({ path: at, message: `the routes that admit service token "${token.name}" (${list}) have no header-jwt plugin, so the token is never accepted` });
    } else {
      admitted ??= { name: token.name, route: reading };
    }
  });
  if (!admitted) return out;
  const example = `such as "${admitted.name}", admitted on routes[${admitted.route}]`;
  config.routes.forEach((route, j) => {
    const policy = route.policy;
    if (!policy || policy.public || !route.plugins.some((p) => p.use === 'header-jwt')) return;
    const rules = policyRules(policy);
    if (rules.length === 0 || rules.includes('services')) return;
    out.push({
      path: ['routes', j, 'policy'],
      message: `this route takes header-jwt tokens but admits users only: a service token (${example}) gets 403 service_not_allowed here; name it in allow.services if it should get in`,
    });
  });
  return out;
}
