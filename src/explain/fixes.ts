/**
 * The config change that fixes a failure, as a YAML snippet for the route, and the technique of
 * docs/cross-origin.md it belongs to.
 */
import type { MountSettings, RouteFacts } from './route-facts.ts';
import { registrableDomain } from './site.ts';

export interface Fix {
  /** A technique's name from docs/cross-origin.md's decision table. */
  technique: string;
  yaml: string;
}

/** Technique names exactly as docs/cross-origin.md's decision table writes them. */
export const TECHNIQUE = {
  pathMount: 'Mount the API under a path',
  sharedCookie: 'Shared cookie domain',
  apiOwnsCors: 'Shared cookie domain + preflights let through',
  headerToken: 'Header token',
  originExemption: 'Origin exemption',
  serviceTokenMount: 'Path mount with a service token',
} as const;

const SIMPLE_METHODS = new Set(['GET', 'HEAD', 'POST']);

/** What the page needs the route's CORS to allow. */
export interface CorsNeed {
  origin: string;
  method?: string;
  headers?: string[];
  credentials: boolean;
  /** Gatehouse must answer CORS itself (`mode: forward` leaves it to an API that did not). */
  respond?: boolean;
}

/** A `preflight` entry that admits `need`, merged into the route's own one when it has one. */
export function preflightFix(route: RouteFacts, need: CorsNeed): Fix {
  const forward = route.preflight?.mode === 'forward' && !need.respond;
  const technique = forward ? TECHNIQUE.apiOwnsCors : route.protected && route.headerJwt && !need.credentials ? TECHNIQUE.headerToken : TECHNIQUE.sharedCookie;
  return { technique, yaml: routeYaml(route, withEntry(route, preflightLines(route, need), route.preflight?.at)) };
}

function preflightLines(route: RouteFacts, need: CorsNeed): string[] {
  const pre = route.preflight;
  const forward = pre?.mode === 'forward' && !need.respond;
  const origins = unique([...(pre?.origins ?? []).filter((o) => !(need.credentials && o === '*')), need.origin]);
  const lines = ['use: preflight'];
  if (forward) lines.push('mode: forward');
  lines.push(`allow_origins: ${flow(origins)}`);
  if (!forward) {
    // "*" already covers every method, and every header but Authorization.
    const methods = unique([...(pre?.methods ?? []), ...(need.method && !SIMPLE_METHODS.has(need.method) && !pre?.methods.includes('*') ? [need.method] : [])]);
    if (methods.some((m) => !SIMPLE_METHODS.has(m))) lines.push(`allow_methods: ${flow(methods)}`);
    const anyHeader = pre?.headers.includes('*') === true;
    const headers = uniqueCaseless([...(pre?.headers ?? []), ...(need.headers ?? []).filter((h) => !anyHeader || h.toLowerCase() === 'authorization')]);
    if (headers.length > 0) lines.push(`allow_headers: ${flow(headers)}`);
    // A route that only reads the trust cookie is of no use to another origin without it.
    if (need.credentials || pre?.credentials || (route.trustCookie && !route.headerJwt && !headers.some((h) => h.toLowerCase() === 'x-gatehouse-authorization'))) lines.push('allow_credentials: true');
    for (const key of ['expose_headers', 'max_age', 'allow_private_network'] as const) {
      if (pre?.entry[key] !== undefined) lines.push(`${key}: ${JSON.stringify(pre.entry[key])}`);
    }
  }
  return lines;
}

/** Getting a credential to an API host: share the cookie within a site, else a header token. */
export function credentialFix(route: RouteFacts, origin: string, apiUrl: URL, sameSite: boolean, method?: string, headers: string[] = []): Fix {
  if (sameSite) {
    const domain = `.${registrableDomain(apiUrl.hostname)}`;
    const cors = preflightFix(route, { origin, method, headers, credentials: true });
    const session = `session:\n  cookie_domain: ${domain}                # one trust cookie for every host under it\n`;
    return { technique: TECHNIQUE.sharedCookie, yaml: session + cors.yaml + "# and in the page: fetch(url, { credentials: 'include' })\n" };
  }
  const need = { origin, method, headers: [...headers, 'X-Gatehouse-Authorization'], credentials: false, respond: true };
  const entries = withEntry(route, preflightLines(route, need), route.preflight?.at);
  // header-jwt goes after preflight and before trust-cookie, so a token is read before a cookie is missed.
  const jwtAt = entries.findIndex((e) => e[0] === 'use: trust-cookie');
  if (!route.headerJwt) entries.splice(jwtAt === -1 ? entries.length : jwtAt, 0, ['use: header-jwt']);
  const yaml = routeYaml(route, entries) + `# and in the page (on ${origin}): const { token } = await fetch('/.gatehouse/token?audience=' + encodeURIComponent('${apiUrl.origin}')).then((r) => r.json());\n#   fetch(url, { headers: { 'X-Gatehouse-Authorization': token } })   (or mount the API under a path of the app: path-prefix)\n`;
  return { technique: TECHNIQUE.headerToken, yaml };
}

/**
 * A `path-prefix` entry on the app's route, so the page's same-origin calls under `prefix` reach
 * the API. `to` is the API's upstream when the config knows it, else a placeholder.
 */
export function pathMountFix(route: RouteFacts, prefix: string, to: string | undefined): Fix {
  const entries = route.plugins.map((name) => [`use: ${name}`]);
  entries.push(['use: path-prefix', `prefix: ${prefix}`, to ? `to: ${to}` : 'to: http://API-HOST:PORT            # placeholder: the API\'s upstream', 'pass_identity_headers: true    # if the API reads the user from the identity headers']);
  return { technique: TECHNIQUE.pathMount, yaml: routeYaml(route, entries) + `# and in the page: fetch('${prefix}/...') on the app's own origin (no CORS, the trust cookie goes along)\n` };
}

/**
 * The mount's `set_request_headers` with a service token's client id and secret, read from the
 * environment; `service_tokens` too when the config has no entry of that name.
 */
export function serviceTokenFix(route: RouteFacts, mount: MountSettings, tokenName: string, declared: boolean): Fix {
  const env = tokenName.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  const entries = route.plugins.map((name) => [`use: ${name}`]);
  const lines = ['use: path-prefix'];
  for (const [key, value] of Object.entries(mount.entry)) {
    if (key === 'use' || key === 'set_request_headers') continue;
    lines.push(`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  lines.push('set_request_headers:');
  for (const [name, value] of Object.entries((mount.entry.set_request_headers as Record<string, unknown> | undefined) ?? {})) lines.push(`  ${name}: ${JSON.stringify(value)}`);
  lines.push(`  X-Gatehouse-Client-Id: \${${env}_CLIENT_ID}          # service_tokens "${tokenName}": client_id`, `  X-Gatehouse-Client-Secret: \${${env}_CLIENT_SECRET}  # and its client_secret`);
  entries[mount.at] = lines;
  const tokens = declared ? '' : `service_tokens:\n  - name: ${tokenName}\n    client_id: \${${env}_CLIENT_ID}\n    client_secret: \${${env}_CLIENT_SECRET}\n`;
  return { technique: TECHNIQUE.serviceTokenMount, yaml: tokens + routeYaml(route, entries) };
}

/** The route's plugin entries, each as lines, with `lines` replacing (or coming before) the preflight one. */
function withEntry(route: RouteFacts, lines: string[], at: number | undefined): string[][] {
  const entries = route.plugins.map((name) => [`use: ${name}`]);
  if (at === undefined) entries.unshift(lines);
  else entries[at] = lines;
  return entries;
}

function routeYaml(route: RouteFacts, entries: string[][]): string {
  let out = `routes:\n${`  - from: ${route.from}`.padEnd(40)} # ${route.id}, other keys as they are\n`;
  if (route.pathKey) out += `    ${route.pathKey}\n`;
  out += '    plugins:\n';
  for (const entry of entries) {
    entry.forEach((line, i) => (out += `${i === 0 ? '      - ' : '        '}${line}\n`));
  }
  return out;
}

/** A YAML flow list; `*` is quoted, as bare it starts an alias. */
function flow(items: string[]): string {
  return `[${items.map((i) => (i === '*' ? '"*"' : i)).join(', ')}]`;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function uniqueCaseless(items: string[]): string[] {
  const seen = new Set<string>();
  return items.filter((h) => !seen.has(h.toLowerCase()) && seen.add(h.toLowerCase()));
}
