/**
 * The `tls` setting: one certificate (`{ cert, key }`), or a list of them chosen by SNI
 * (`[{ cert, key, hosts }]`), plus client-certificate verification for the whole listener.
 * The schema checks the shape; `tlsMaterialProblems` checks that the PEM parses and that each key
 * belongs to its certificate (run before a config is served, so a bad file never replaces good ones).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as v from 'valibot';

const REQUEST_REFUSED =
  'client_auth: request would accept any certificate or none, and Bun does not tell Gatehouse which one a client presented, so nothing could act on it; use require (the default), or leave client_ca_file out';

// One optional leading `*.` label (a certificate wildcard covers exactly one label), then a DNS name.
const HOST = /^(\*\.)?(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

const normalHost = (s: string) => s.trim().toLowerCase().replace(/\.$/, '');
const hostName = v.pipe(
  v.string(),
  v.check((s: string) => HOST.test(normalHost(s)), 'expected a host name like api.example.test or *.example.test (no scheme, no port)'),
  v.transform(normalHost),
);

const listenerEntries = {
  /** PEM bundle of the CAs whose client certificates are accepted (`client_ca_file`). */
  client_ca: v.optional(v.string()),
  client_auth: v.optional(
    v.pipe(
      v.string(),
      v.check((s) => s === 'require', (issue) => (issue.input === 'request' ? REQUEST_REFUSED : 'expected require')),
      v.transform((s) => s as 'require'),
    ),
  ),
};

const single = v.strictObject({ cert: v.string(), key: v.string(), ...listenerEntries });
const listed = v.pipe(
  v.array(v.strictObject({ cert: v.string(), key: v.string(), hosts: v.optional(v.pipe(v.array(hostName), v.minLength(1, 'list at least one host, or leave hosts out for the default certificate'))), ...listenerEntries })),
  v.minLength(1, 'list at least one certificate'),
);

type Key = string | number;
const hostsOf = (entry: object): string[] | undefined => (entry as { hosts?: string[] }).hosts;
/** A valibot issue path for `keys` (only `key` is read when the issue is located in the file). */
export const issuePath = (keys: Key[]) => keys.map((key) => ({ type: 'object', origin: 'value', input: undefined, key, value: undefined })) as unknown as [v.ObjectPathItem];

export const tlsSchema = v.pipe(
  v.union([listed, single], 'expected { cert_file, key_file } or a list of { cert_file, key_file, hosts }'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = (keys: Key[], message: string) => addIssue({ message, path: issuePath(keys) });
    const entries = Array.isArray(dataset.value) ? dataset.value : [dataset.value];
    const at = (i: number, ...keys: Key[]): Key[] => (Array.isArray(dataset.value) ? [i, ...keys] : keys);
    const seen = new Map<string, number>();
    let defaultAt: number | undefined;
    entries.forEach((entry, i) => {
      const hosts = hostsOf(entry);
      if (!hosts) {
        if (defaultAt !== undefined) problem(at(i), `only one certificate can go without hosts (it is the default, served when no host matches); the one at tls[${defaultAt}] already is`);
        defaultAt ??= i;
      }
      hosts?.forEach((host, j) => {
        const other = seen.get(host);
        if (other !== undefined) problem(at(i, 'hosts', j), `${host} is already listed for tls[${other}]`);
        else seen.set(host, i);
      });
      if (i > 0 && (entry.client_ca !== undefined || entry.client_auth !== undefined)) {
        const key = entry.client_ca !== undefined ? 'client_ca' : 'client_auth';
        problem(at(i, key), `set ${key === 'client_ca' ? 'client_ca_file' : key} on the first entry: it applies to every certificate, since a client picks the certificate by SNI and could otherwise pick one without it`);
      }
    });
    const first = entries[0]!;
    if (first.client_auth !== undefined && first.client_ca === undefined) problem(at(0, 'client_auth'), 'client_auth needs client_ca_file: the CAs whose client certificates are accepted');
  }),
);

export type TlsConfig = v.InferOutput<typeof tlsSchema>;


export interface TlsCertificate {
  cert: string;
  key: string;
  /** Host names (`*.` wildcards cover one label) this certificate is served for; empty for the default. */
  hosts: string[];
}

/** The listener's TLS, normalized: the default certificate first, then the others. */
export interface TlsListenerSetting {
  certificates: TlsCertificate[];
  /** When set, every client must present a certificate these CAs signed (`client_auth: require`). */
  clientCa: string | undefined;
}

/** Normalizes either form of a validated `tls`: the entry without hosts (else the first) is the default. */
export function tlsListenerSetting(tls: TlsConfig): TlsListenerSetting {
  const entries = Array.isArray(tls) ? tls : [tls];
  const certificates = entries.map((e) => ({ cert: e.cert, key: e.key, hosts: hostsOf(e) ?? [] }));
  const fallback = Math.max(0, certificates.findIndex((c) => c.hosts.length === 0));
  const ordered = [certificates[fallback]!, ...certificates.filter((_, i) => i !== fallback)];
  return { certificates: ordered, clientCa: entries[0]!.client_ca };
}

/** Where in `tls` a problem lies (`['tls', 1, 'key']`) and why. */
export interface TlsProblem {
  path: Key[];
  message: string;
}

/**
 * Parses each certificate, key and the client CA bundle and checks that each key belongs to its
 * certificate; returns the problems (none for a usable `tls`).
 */
export function tlsMaterialProblems(tls: TlsConfig): TlsProblem[] {
  const problems: TlsProblem[] = [];
  const entries = Array.isArray(tls) ? tls : [tls];
  const at = (i: number, key: string): Key[] => (Array.isArray(tls) ? ['tls', i, key] : ['tls', key]);
  entries.forEach((entry, i) => {
    let certificate: X509Certificate | undefined;
    try {
      certificate = new X509Certificate(entry.cert);
    } catch (error) {
      problems.push({ path: at(i, 'cert'), message: `not a PEM certificate (${reason(error)})` });
    }
    let key;
    try {
      key = createPrivateKey(entry.key);
    } catch (error) {
      problems.push({ path: at(i, 'key'), message: `not a PEM private key (${reason(error)}); an encrypted key is not supported` });
    }
    if (certificate && key && !certificate.checkPrivateKey(key)) {
      problems.push({ path: at(i, 'key'), message: `this key does not belong to the certificate (${certificate.subject.replace(/\n/g, ', ')})` });
    }
  });
  const ca = entries[0]!.client_ca;
  if (ca !== undefined) {
    const blocks = ca.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) problems.push({ path: at(0, 'client_ca'), message: 'no PEM certificate in it (expected -----BEGIN CERTIFICATE----- blocks)' });
    for (const [n, block] of blocks.entries()) {
      try {
        new X509Certificate(block);
      } catch (error) {
        problems.push({ path: at(0, 'client_ca'), message: `certificate ${n + 1} does not parse (${reason(error)})` });
      }
    }
  }
  return problems;
}

/** OpenSSL's reason without its numeric prefix: `error:0900006e:PEM routines:…:NO_START_LINE` → `NO_START_LINE`. */
function reason(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  return message.split(':').at(-1)?.trim() || message;
}

/**
 * Problems between the listener keys (`listen`, `tls`, `http_redirect_listen`, `http_redirect_to_port`)
 * that no single key can see, as `[key]` + message.
 */
export function listenerKeyProblems(config: {
  listen: { port: number };
  tls?: unknown;
  http_redirect_listen?: { port: number };
  http_redirect_to_port?: number;
}): TlsProblem[] {
  const problems: TlsProblem[] = [];
  const redirect = config.http_redirect_listen;
  if (redirect && config.tls === undefined) problems.push({ path: ['http_redirect_listen'], message: 'http_redirect_listen needs tls: it sends clients to the HTTPS listener' });
  if (redirect && redirect.port !== 0 && redirect.port === config.listen.port) problems.push({ path: ['http_redirect_listen'], message: `listen already uses port ${redirect.port}; the redirect listener needs a port of its own (usually ":80")` });
  if (config.http_redirect_to_port !== undefined && !redirect) problems.push({ path: ['http_redirect_to_port'], message: 'http_redirect_to_port only applies with http_redirect_listen' });
  return problems;
}
