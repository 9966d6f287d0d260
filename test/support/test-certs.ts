/**
 * Certificates made by openssl for one test file: a CA, server certificates it signs (with the
 * DNS names and addresses given), a client certificate, and a CA that signed none of them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolOrSkip } from './required-tool.ts';

export interface KeyPair {
  cert: string;
  key: string;
  /** Where `cert` and `key` are written, for `*_file` config keys. */
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  dir: string;
  ca: KeyPair;
  /** A CA that signed nothing here: trusting only it must fail. */
  otherCa: KeyPair;
  /** A server certificate signed by `ca` for `names` (DNS names or IP addresses). */
  server(name: string, names: string[]): KeyPair;
  /** A client certificate (clientAuth) signed by `ca`. */
  client(name: string): KeyPair;
}

/** openssl's path, or undefined (a loud skip locally, a failure under CI) when it is missing. */
export function opensslOrSkip(what: string): string | undefined {
  return toolOrSkip(Bun.which('openssl') ?? undefined, { name: 'openssl', lookedAt: 'PATH', aptPackage: 'openssl' }, what);
}

/** Makes the CAs in a temporary folder; `openssl` is the program's path. */
export function makeTestPki(openssl: string): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pki-'));
  const run = (...args: string[]) => {
    const done = Bun.spawnSync([openssl, ...args], { cwd: dir, stdout: 'pipe', stderr: 'pipe' });
    if (done.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${done.stderr.toString()}`);
  };
  const pair = (name: string): KeyPair => {
    const certFile = join(dir, `${name}.pem`);
    const keyFile = join(dir, `${name}.key`);
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const makeCa = (name: string) => {
    run('req', '-x509', ...newKey, '-subj', `/CN=${name}`, '-days', '1', '-keyout', `${name}.key`, '-out', `${name}.pem`);
    return pair(name);
  };
  const signed = (name: string, extensions: string) => {
    run('req', ...newKey, '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
    return pair(name);
  };
  const ca = makeCa('ca');
  const otherCa = makeCa('other-ca');
  return {
    dir,
    ca,
    otherCa,
    server: (name, names) => {
      const alt = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
      return signed(name, `subjectAltName=${alt}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    },
    client: (name) => signed(name, 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n'),
  };
}
