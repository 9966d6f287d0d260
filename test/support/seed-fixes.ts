/**
 * How each seed example's fix is taken out of its config, so a test can show the seed's failure:
 * shared by test/examples.test.ts (Chromium on the broken config) and the HAR recorder behind
 * test/explain-seeds.test.ts.
 */
import type { parseDocument } from 'yaml';

export type Doc = ReturnType<typeof parseDocument>;

const withoutPlugin = (route: number, use: string) => (doc: Doc) => {
  const plugins = doc.getIn(['routes', route, 'plugins']) as { items: { get(k: string): unknown }[] };
  const at = plugins.items.findIndex((p) => p.get('use') === use);
  if (at < 0) throw new Error(`no ${use} in routes[${route}]`);
  doc.deleteIn(['routes', route, 'plugins', at]);
};
const withoutRule = (name: string) => (doc: Doc) => {
  const rules = doc.getIn(['routes', 1, 'plugins', 0, 'rules']) as { items: { get(k: string): unknown }[] };
  const at = rules.items.findIndex((r) => r.get('name') === name);
  if (at < 0) throw new Error(`no rule ${name}`);
  doc.deleteIn(['routes', 1, 'plugins', 0, 'rules', at]);
};

/** Each seed example's folder name and how its fix is taken out. */
export const SEED_FIXES: { name: string; unfix: (doc: Doc) => void }[] = [
  { name: 'pomerium-single-domain', unfix: withoutPlugin(0, 'path-prefix') },
  { name: 'pomerium-header-token', unfix: withoutPlugin(1, 'header-jwt') },
  { name: 'pomerium-shared-cookie', unfix: (d) => d.deleteIn(['session', 'cookie_domain']) },
  { name: 'banyan-multi-domain-credentials', unfix: withoutPlugin(1, 'origin-exemption') },
  { name: 'banyan-multi-domain-header', unfix: withoutRule('api-with-secret-header') },
  { name: 'banyan-single-domain-header', unfix: withoutRule('api-with-secret-header') },
  { name: 'cloudflare-bypass-options', unfix: withoutPlugin(1, 'preflight') },
  { name: 'cloudflare-respond-preflight', unfix: withoutPlugin(1, 'preflight') },
  { name: 'cloudflare-worker-service-token', unfix: (d) => d.deleteIn(['routes', 0, 'plugins', 0, 'set_request_headers']) },
];

/** The fix-removal of seed `name`; throws for an unknown seed. */
export function unfixOf(name: string): (doc: Doc) => void {
  const seed = SEED_FIXES.find((s) => s.name === name);
  if (!seed) throw new Error(`no seed named ${name}`);
  return seed.unfix;
}
