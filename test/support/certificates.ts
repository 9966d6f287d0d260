/**
 * Certificates made with openssl for TLS tests: self-signed server certificates, a CA, and
 * certificates it signs (server or client), as PEM text plus the files they were written to.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolOrSkip } from './required-tool.ts';

export interface Pem {
  cert: string;
  key: string;
  /** Where `cert` and `key` are written, for `*_file` config keys. */
  certFile: string;
  keyFile: string;
}

export interface CertificateMaker {
  /** The temporary folder the files are written to. */
  readonly dir: string;
  /** A self-signed certificate with subject CN `cn` (and `sans`, e.g. `DNS:api.example.test`). */
  selfSigned(cn: string, sans?: string[]): Pem;
  /** A CA certificate that `signedBy` can use. */
  authority(cn: string): Pem;
  /** A certificate for `cn` signed by `ca`; `client` marks it for client authentication. */
  signedBy(ca: Pem, cn: string, options?: { sans?: string[]; client?: boolean }): Pem;
}

/** openssl's path, or undefined (loud skip locally, failure under CI=true) when it is missing. */
export function opensslOrSkip(what: string): string | undefined {
  return toolOrSkip(Bun.which('openssl') ?? undefined, { name: 'openssl', lookedAt: 'PATH', aptPackage: 'openssl' }, what);
}

/** Makes P-256 certificates valid for a day with `openssl` at its path, in a fresh temp folder. */
export function certificateMaker(openssl: string): CertificateMaker {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-certs-'));
  let n = 0;
  const run = (args: string[]) => {
    const result = Bun.spawnSync([openssl, ...args], { stdout: 'pipe', stderr: 'pipe' });
    if (result.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr.toString()}`);
  };
  const files = () => {
    n++;
    return { key: join(dir, `${n}.key`), cert: join(dir, `${n}.crt`), csr: join(dir, `${n}.csr`), ext: join(dir, `${n}.ext`) };
  };
  const read = (f: { cert: string; key: string }): Pem => ({ cert: readFileSync(f.cert, 'utf8'), key: readFileSync(f.key, 'utf8'), certFile: f.cert, keyFile: f.key });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  return {
    dir,
    selfSigned(cn, sans = []) {
      const f = files();
      run(['req', '-x509', ...newKey, '-subj', `/CN=${cn}`, '-days', '1', '-keyout', f.key, '-out', f.cert, ...(sans.length ? ['-addext', `subjectAltName=${sans.join(',')}`] : [])]);
      return read(f);
    },
    authority(cn) {
      const f = files();
      run(['req', '-x509', ...newKey, '-subj', `/CN=${cn}`, '-days', '1', '-keyout', f.key, '-out', f.cert, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
      return read(f);
    },
    signedBy(ca, cn, options = {}) {
      const f = files();
      const caFiles = { cert: join(dir, `${n}-ca.crt`), key: join(dir, `${n}-ca.key`) };
      writeFileSync(caFiles.cert, ca.cert);
      writeFileSync(caFiles.key, ca.key);
      run(['req', ...newKey, '-subj', `/CN=${cn}`, '-keyout', f.key, '-out', f.csr]);
      const ext = ['basicConstraints=CA:FALSE', `extendedKeyUsage=${options.client ? 'clientAuth' : 'serverAuth'}`];
      if (options.sans?.length) ext.push(`subjectAltName=${options.sans.join(',')}`);
      writeFileSync(f.ext, ext.join('\n') + '\n');
      run(['x509', '-req', '-in', f.csr, '-CA', caFiles.cert, '-CAkey', caFiles.key, '-CAcreateserial', '-days', '1', '-extfile', f.ext, '-out', f.cert]);
      return read(f);
    },
  };
}

/** A CA, a CA that signed nothing here, and server and client certificates the first signs. */
export interface TestPki {
  dir: string;
  ca: Pem;
  /** Trusting only it must fail. */
  otherCa: Pem;
  /** A server certificate signed by `ca` for `names` (DNS names or IP addresses). */
  server(name: string, names: string[]): Pem;
  /** A client certificate (clientAuth) signed by `ca`. */
  client(name: string): Pem;
}

/** The certificates of one test file, made by `certificateMaker`. */
export function makeTestPki(openssl: string): TestPki {
  const make = certificateMaker(openssl);
  const ca = make.authority('ca');
  return {
    dir: make.dir,
    ca,
    otherCa: make.authority('other-ca'),
    server: (name, names) => make.signedBy(ca, name, { sans: names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)) }),
    client: (name) => make.signedBy(ca, name, { client: true }),
  };
}

/**
 * Opens a TLS connection to 127.0.0.1:`port` with SNI `servername` (none when undefined) and
 * returns the CN of the certificate the server presented, or `error: …` when the handshake fails.
 * `client` presents a client certificate.
 */
export async function presentedCertificate(port: number, servername?: string, client?: Pem): Promise<string> {
  const { connect } = await import('node:tls');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ...client }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.end();
      resolve(String(cn));
    });
    socket.setTimeout(10_000, () => {
      socket.destroy();
      resolve('error: timeout');
    });
    socket.on('error', (error) => resolve(`error: ${error.message}`));
  });
}

/**
 * Sends `GET path` with `Host: host` over a new TLS connection (SNI `servername`, presenting
 * `client` when given) and returns the status code, or `error: …` when the connection fails or
 * closes without an answer. Under TLS 1.3 a refused client certificate surfaces here, after the
 * handshake, rather than in it.
 */
export async function tlsRequest(port: number, options: { host: string; path?: string; servername?: string; client?: Pem }): Promise<number | string> {
  const { connect } = await import('node:tls');
  return new Promise((resolve) => {
    let received = '';
    const socket = connect({ host: '127.0.0.1', port, servername: options.servername, rejectUnauthorized: false, ...options.client }, () => {
      socket.write(`GET ${options.path ?? '/'} HTTP/1.1\r\nHost: ${options.host}\r\nConnection: close\r\n\r\n`);
    });
    const finish = (error?: string) => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve(status ? Number(status) : `error: ${error ?? 'closed without an answer'}`);
    };
    socket.setTimeout(10_000, () => {
      socket.destroy();
      finish('timeout');
    });
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', (error) => finish(error.message));
    socket.on('close', () => finish());
  });
}
