import type { TLSOptions } from 'bun';
import { ConfigError } from '../config/errors.ts';
import type { LoadedConfig } from '../config/load.ts';
import { tlsListenerSetting, tlsMaterialProblems, type TlsConfig } from '../config/tls-setting.ts';

/**
 * Bun's `tls` for a validated `tls` setting. Bun serves the first entry when no SNI entry
 * matches, so the default certificate comes first without a `serverName`; each host then gets an
 * entry of its own (one `serverName` per entry). Bun prefers an exact name to a `*.` one whatever
 * their order, and a `*.` name covers one label. With a client CA every entry requires a client
 * certificate signed by it: a client chooses the entry by SNI, so one entry without would open
 * every host.
 */
export function bunTls(tls: TlsConfig): TLSOptions[] {
  const setting = tlsListenerSetting(tls);
  const clientAuth = setting.clientCa !== undefined ? { ca: setting.clientCa, requestCert: true, rejectUnauthorized: true } : {};
  const [fallback] = setting.certificates;
  const entries: TLSOptions[] = [{ cert: fallback!.cert, key: fallback!.key, ...clientAuth }];
  for (const certificate of setting.certificates) {
    for (const host of certificate.hosts) entries.push({ cert: certificate.cert, key: certificate.key, serverName: host, ...clientAuth });
  }
  return entries;
}

/**
 * Returns `loaded` when its certificates, keys and client CA parse and each key belongs to its
 * certificate; throws a ConfigError located at the offending key otherwise. Run before a config
 * is served, so a broken certificate file never replaces working ones.
 */
export function withUsableTls(loaded: LoadedConfig): LoadedConfig {
  const tls = loaded.config.tls;
  if (tls === undefined) return loaded;
  const problems = tlsMaterialProblems(tls);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => loaded.problem(p.path, p.message)));
  return loaded;
}
