/**
 * `tls` as a list of certificates chosen by SNI: the entry without hosts is the default, exact
 * names beat `*.` ones, a `*.` name covers one label. Certificates reload on SIGHUP (a new
 * listener on the same port); a certificate or key that does not parse or match is a located
 * error, and on reload the previous certificates keep serving.
 */
import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateMaker, opensslOrSkip, presentedCertificate, tlsRequest, type CertificateMaker, type Pem } from './support/certificates.ts';
import { configProblems } from './support/config-problems.ts';
import { startGateway, startUpstream, type TestGateway } from './support/gateway.ts';
import { freePort, runCli, spawnProcess, startRun, BUN, MAIN, type Spawned } from './support/process.ts';
import { rawRequest } from './support/raw-http.ts';

setDefaultTimeout(60_000);

const openssl = opensslOrSkip('the SNI certificate tests');
let make: CertificateMaker;
const certs: Record<string, Pem> = {};

beforeAll(() => {
  if (!openssl) return;
  make = certificateMaker(openssl);
  for (const name of ['default', 'wild', 'api', 'api-v2', 'other']) certs[name] = make.selfSigned(name);
});

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const files = () => Object.fromEntries(Object.entries(certs).flatMap(([name, pem]) => [[`${name}.crt`, pem.cert], [`${name}.key`, pem.key]]));

async function gatewayWith(tls: string): Promise<TestGateway> {
  const up = startUpstream();
  cleanup.push(() => up.stop());
  const g = await startGateway(`${tls}\nroutes:\n  - from: https://*.example.test\n    to: ${up.url}\n    policy: { public: true }\n`, { files: files() });
  cleanup.push(() => g.stop());
  return g;
}

// The wildcard entry comes first: an exact name must still win over it.
const SNI_LIST = `tls:
  - cert_file: wild.crt
    key_file: wild.key
    hosts: ["*.example.test"]
  - cert_file: default.crt
    key_file: default.key
  - cert_file: api.crt
    key_file: api.key
    hosts: [api.example.test, API2.Example.Test]`;

describe.skipIf(!openssl)('certificates chosen by SNI', () => {
  test('each host gets its certificate; no SNI or an unknown name gets the default', async () => {
    const g = await gatewayWith(SNI_LIST);
    const seen: Record<string, string> = {};
    for (const sni of [undefined, 'api.example.test', 'api2.example.test', 'x.example.test', 'a.b.example.test', 'example.test', 'elsewhere.test']) {
      seen[String(sni)] = await presentedCertificate(g.port, sni);
    }
    expect(seen).toEqual({
      undefined: 'default',
      'api.example.test': 'api',
      'api2.example.test': 'api',
      'x.example.test': 'wild',
      // A certificate's `*.` covers exactly one label.
      'a.b.example.test': 'default',
      'example.test': 'default',
      'elsewhere.test': 'default',
    });
    expect(await tlsRequest(g.port, { host: 'api.example.test', servername: 'api.example.test' })).toBe(200);
  });

  test('when every entry lists hosts, the first is the default', async () => {
    const g = await gatewayWith(`tls:
  - { cert_file: other.crt, key_file: other.key, hosts: [other.example.test] }
  - { cert_file: api.crt, key_file: api.key, hosts: [api.example.test] }`);
    expect(await presentedCertificate(g.port, 'nothing.test')).toBe('other');
    expect(await presentedCertificate(g.port, 'api.example.test')).toBe('api');
  });

  test('a key that does not belong to its certificate is an error at that key', async () => {
    const problems = await configProblems(gatewayWith(`tls:
  - { cert_file: default.crt, key_file: default.key }
  - cert_file: api.crt
    key_file: wild.key
    hosts: [api.example.test]`));
    expect(problems[0]).toMatchObject({ line: 4, path: 'tls[1].key' });
    expect(problems[0]!.message).toContain('does not belong to the certificate (CN=api)');
  });

  test('gatehouse check reads the certificates too: a key of another certificate fails it, located', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tls-check-'));
    for (const [name, content] of Object.entries(files())) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 'gatehouse.yaml'), 'tls: { cert_file: api.crt, key_file: wild.key }\nroutes:\n  - from: https://api.example.test\n    to: http://127.0.0.1:1\n    policy: { public: true }\n');
    const { code, stderr } = await runCli(['check', '-c', join(dir, 'gatehouse.yaml')]);
    expect(code).toBe(1);
    expect(stderr).toContain('gatehouse.yaml:1:');
    expect(stderr).toContain('tls.key: this key does not belong to the certificate (CN=api)');
  });

  test('a file that is not a PEM certificate is an error at cert_file', async () => {
    const problems = await configProblems(gatewayWith('tls: { cert_file: default.key, key_file: default.key }'));
    expect(problems[0]).toMatchObject({ line: 1, path: 'tls.cert' });
    expect(problems[0]!.message).toContain('not a PEM certificate');
  });

  test('two entries without hosts, and a host listed twice, are located errors', async () => {
    const problems = await configProblems(gatewayWith(`tls:
  - { cert_file: default.crt, key_file: default.key }
  - { cert_file: other.crt, key_file: other.key }
  - { cert_file: api.crt, key_file: api.key, hosts: [api.example.test, "*.example.test", API.example.test] }`));
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['tls[1]', 3],
      ['tls[2].hosts[2]', 4],
    ]);
  });
});

describe.skipIf(!openssl)('the TLS listener', () => {
  // It binds with SO_REUSEPORT (for reloads); a second Gatehouse must not silently share the port.
  test('a port another listener holds is still an error', async () => {
    const port = freePort();
    const yaml = `tls: { cert_file: default.crt, key_file: default.key }\nroutes:\n  - from: https://a.example.test\n    to: http://127.0.0.1:9\n`;
    const first = await startGateway(yaml, { files: files(), listen: `127.0.0.1:${port}` });
    cleanup.push(() => first.stop());
    const second = await startGateway(yaml, { files: files(), listen: `127.0.0.1:${port}` }).then(
      (g) => (cleanup.push(() => g.stop()), 'started'),
      (e: Error) => e.message,
    );
    expect(second).toContain('in use');
  });
});

/** Writes a config and its certificate files to a fresh folder. */
function configDir(yaml: string, pems: Record<string, Pem>): { dir: string; file: string; write(name: string, pem: Pick<Pem, 'cert' | 'key'>): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sni-run-'));
  const write = (name: string, pem: Pick<Pem, 'cert' | 'key'>) => {
    writeFileSync(join(dir, `${name}.crt`), pem.cert);
    writeFileSync(join(dir, `${name}.key`), pem.key);
  };
  for (const [name, pem] of Object.entries(pems)) write(name, pem);
  writeFileSync(join(dir, 'gatehouse.yaml'), yaml);
  return { dir, file: join(dir, 'gatehouse.yaml'), write };
}

function stopOnCleanup(p: Spawned): void {
  cleanup.push(async () => {
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await p.exited;
    clearTimeout(timer);
  });
}

const RUN_TLS = `tls:
  - { cert_file: default.crt, key_file: default.key }
  - { cert_file: api.crt, key_file: api.key, hosts: [api.example.test] }
watch: false
routes:
  - from: https://api.example.test
    to: http://127.0.0.1:9
    policy: { public: true }
`;

describe.skipIf(!openssl)('certificates reload on SIGHUP', () => {
  test('a new certificate is served after SIGHUP; a broken one is refused and the previous keeps serving', async () => {
    const { file, dir, write } = configDir(`listen: "127.0.0.1:0"\n${RUN_TLS}`, { default: certs.default!, api: certs.api! });
    const gh = await startRun(file, { cwd: dir });
    stopOnCleanup(gh);
    const port = Number(new URL(gh.url).port);
    expect(await presentedCertificate(port, 'api.example.test')).toBe('api');

    write('api', certs['api-v2']!);
    gh.kill('SIGHUP');
    await gh.waitForLog((l) => l.msg === 'certificates reloaded', 10_000, 'certificates reloaded');
    expect(await presentedCertificate(port, 'api.example.test')).toBe('api-v2');
    expect(await presentedCertificate(port)).toBe('default');

    // A key from another certificate: the reload is refused, naming the key.
    write('api', { cert: certs.api!.cert, key: certs.other!.key });
    gh.kill('SIGHUP');
    const failed = await gh.waitForLog((l) => l.msg === 'config reload failed; the previous config keeps serving', 10_000, 'reload refused');
    expect(String(failed.error)).toContain('tls[1].key');
    expect(await presentedCertificate(port, 'api.example.test')).toBe('api-v2');
    expect(gh.logs().filter((l) => l.msg === 'certificates reloaded')).toHaveLength(1);
  });

  test('with workers: 2, every worker serves the new certificate after SIGHUP, and the redirect listener', async () => {
    const port = freePort();
    const redirectPort = freePort();
    const { file, dir, write } = configDir(`listen: "127.0.0.1:${port}"\nhttp_redirect_listen: "127.0.0.1:${redirectPort}"\nworkers: 2\n${RUN_TLS}`, { default: certs.default!, api: certs.api! });
    const gh = spawnProcess([BUN, MAIN, 'run', '-c', file], { cwd: dir });
    stopOnCleanup(gh);
    const deadline = Date.now() + 30_000;
    while (gh.logs().filter((l) => l.msg === 'gatehouse listening').length < 2 && Date.now() < deadline) await Bun.sleep(50);
    expect(gh.logs().filter((l) => l.msg === 'gatehouse listening')).toHaveLength(2);

    write('api', certs['api-v2']!);
    gh.kill('SIGHUP');
    while (gh.logs().filter((l) => l.msg === 'certificates reloaded').length < 2 && Date.now() < deadline) await Bun.sleep(50);
    expect(gh.logs().filter((l) => l.msg === 'certificates reloaded')).toHaveLength(2);
    // Connections spread over both workers' sockets; none may present the old certificate.
    const presented = new Set<string>();
    for (let i = 0; i < 12; i++) presented.add(await presentedCertificate(port, 'api.example.test'));
    expect([...presented]).toEqual(['api-v2']);
    for (let i = 0; i < 4; i++) {
      const r = await rawRequest(redirectPort, 'GET /x?y=1 HTTP/1.1\r\nHost: api.example.test\r\nConnection: close\r\n\r\n');
      expect(r.header('location')).toBe(`https://api.example.test:${port}/x?y=1`);
    }
  });
});
