import { createPrivateKey, X509Certificate } from 'node:crypto';

/** A route's TLS settings toward its upstreams, as the config gives them (PEM text, already read from `*_file`). */
export interface UpstreamTlsSettings {
  tls_custom_ca?: string;
  tls_server_name?: string;
  tls_client_cert?: string;
  tls_client_key?: string;
  tls_skip_verify: boolean;
}

/** What Bun's `fetch` takes as `tls`. */
export interface FetchTls {
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
  rejectUnauthorized?: boolean;
}

/** A problem with one key of the settings (`key` is the schema's, e.g. `tls_client_key`). */
export interface TlsSettingProblem {
  key: keyof UpstreamTlsSettings;
  message: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * Checks a route's upstream TLS settings and turns them into Bun's `fetch` `tls` option, once at
 * config load: every certificate must parse, the client key must be a key and match its
 * certificate, and the two come together. `tls` is undefined when the route sets none of them,
 * so plain routes pass nothing extra to `fetch`. Bun's `serverName` sets both the SNI name and
 * the name the certificate is verified against.
 */
export function compileUpstreamTls(settings: UpstreamTlsSettings): { tls?: FetchTls; problems: TlsSettingProblem[] } {
  const problems: TlsSettingProblem[] = [];
  const { tls_custom_ca: ca, tls_server_name: serverName, tls_client_cert: cert, tls_client_key: key, tls_skip_verify: skip } = settings;
  if (ca !== undefined) certificatesProblem(ca, 'tls_custom_ca', problems);
  let certificate: X509Certificate | undefined;
  if (cert !== undefined) certificate = certificatesProblem(cert, 'tls_client_cert', problems);
  if ((cert === undefined) !== (key === undefined)) {
    const [given, missing] = cert === undefined ? ['tls_client_key_file', 'tls_client_cert_file'] : ['tls_client_cert_file', 'tls_client_key_file'];
    problems.push({ key: cert === undefined ? 'tls_client_key' : 'tls_client_cert', message: `${given} needs ${missing} too: a client certificate is presented with its private key` });
  } else if (key !== undefined) {
    try {
      const privateKey = createPrivateKey(key);
      if (certificate && !certificate.checkPrivateKey(privateKey)) problems.push({ key: 'tls_client_key', message: 'tls_client_key_file does not belong to the certificate in tls_client_cert_file' });
    } catch {
      problems.push({ key: 'tls_client_key', message: 'tls_client_key_file is not a PEM private key (-----BEGIN PRIVATE KEY-----, unencrypted)' });
    }
  }
  if (ca === undefined && serverName === undefined && cert === undefined && key === undefined && !skip) return { problems };
  const tls: FetchTls = {};
  if (ca !== undefined) tls.ca = ca;
  if (cert !== undefined && key !== undefined) Object.assign(tls, { cert, key });
  if (serverName !== undefined) tls.serverName = serverName;
  if (skip) tls.rejectUnauthorized = false;
  return { tls, problems };
}

/** Parses every certificate of a PEM bundle; reports the first that does not parse. Returns the first one. */
function certificatesProblem(pem: string, key: 'tls_custom_ca' | 'tls_client_cert', problems: TlsSettingProblem[]): X509Certificate | undefined {
  const blocks = [...pem.matchAll(PEM_BLOCK)].filter((m) => m[1] === 'CERTIFICATE' || m[1] === 'TRUSTED CERTIFICATE');
  if (blocks.length === 0) {
    problems.push({ key, message: `${key}_file holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    return undefined;
  }
  let first: X509Certificate | undefined;
  for (const [i, block] of blocks.entries()) {
    try {
      const parsed = new X509Certificate(block[0]);
      first ??= parsed;
    } catch {
      problems.push({ key, message: `${key}_file: certificate ${i + 1} of ${blocks.length} is not a valid certificate` });
      return undefined;
    }
  }
  return first;
}
