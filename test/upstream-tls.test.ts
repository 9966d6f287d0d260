/** Upstream TLS per route (tls_custom_ca_file, tls_server_name, client certificates, tls_skip_verify) against real TLS upstreams. */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/process.ts';
import { publicRoute } from './support/public-route.ts';
import { scoped } from './support/scoped.ts';
import { makeTestPki, opensslOrSkip, type TestPki } from './support/certificates.ts';

setDefaultTimeout(30_000);

const openssl = opensslOrSkip('the upstream TLS tests');
const { cleanup, gateway } = scoped();
let pki: TestPki;

beforeAll(() => {
  if (openssl) pki = makeTestPki(openssl);
});

/** An HTTPS upstream on 127.0.0.1 answering `upstream ok`; `tls` is Bun.serve's. */
function tlsUpstream(tls: Parameters<typeof Bun.serve>[0]['tls']): string {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, tls, fetch: () => new Response('upstream ok') });
  cleanup.push(() => server.stop(true));
  return `https://127.0.0.1:${server.port}`;
}


type LogLine = Record<string, unknown>;
const failures = (lines: LogLine[]) => lines.filter((l) => l.msg === 'upstream failed');

/** A 502 that says nothing of the reason to the client. */
async function expectBare502(response: Response): Promise<void> {
  expect(response.status).toBe(502);
  expect(await response.json()).toEqual({ error: 'upstream_unavailable', request_id: response.headers.get('x-request-id')! });
}

describe.if(Boolean(openssl))('upstream TLS', () => {
  test('a certificate signed by tls_custom_ca_file is trusted; without it, it is not', async () => {
    const server = pki.server('ip-server', ['127.0.0.1']);
    const to = tlsUpstream({ cert: server.cert, key: server.key });
    const trusted = await gateway(publicRoute(to, `tls_custom_ca_file: ${pki.ca.certFile}`));
    const ok = await trusted.request('/');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('upstream ok');

    const plain = await gateway(publicRoute(to));
    await expectBare502(await plain.request('/'));
    expect(failures(plain.logs.json())[0]).toMatchObject({ level: 'warn', reason: 'upstream certificate not trusted' });
  });

  test('a certificate from another CA gives 502 and the log says the certificate is not trusted', async () => {
    const server = pki.server('ip-server-2', ['127.0.0.1']);
    const to = tlsUpstream({ cert: server.cert, key: server.key });
    const g = await gateway(publicRoute(to, `tls_custom_ca_file: ${pki.otherCa.certFile}`));
    await expectBare502(await g.request('/'));
    expect(failures(g.logs.json())[0]).toMatchObject({ reason: 'upstream certificate not trusted', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  test('an upstream that requires a client certificate gets the configured one; without it, 502', async () => {
    const server = pki.server('mtls-server', ['127.0.0.1']);
    const client = pki.client('gatehouse-client');
    const to = tlsUpstream({ cert: server.cert, key: server.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true });
    const withCert = await gateway(publicRoute(to, `tls_custom_ca_file: ${pki.ca.certFile}\ntls_client_cert_file: ${client.certFile}\ntls_client_key_file: ${client.keyFile}`));
    const ok = await withCert.request('/');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('upstream ok');

    const without = await gateway(publicRoute(to, `tls_custom_ca_file: ${pki.ca.certFile}`));
    await expectBare502(await without.request('/'));
    expect(String(failures(without.logs.json())[0]?.reason)).toStartWith('TLS handshake with the upstream failed');
  });

  test('tls_server_name is sent as SNI and is the name verified; without it the certificate does not match the address', async () => {
    // The upstream picks its certificate by SNI: api.internal's only when that name is asked for.
    const fallback = pki.server('default-server', ['default.internal']);
    const named = pki.server('api-internal', ['api.internal']);
    const to = tlsUpstream([
      { cert: fallback.cert, key: fallback.key },
      { serverName: 'api.internal', cert: named.cert, key: named.key },
    ]);
    const g = await gateway(publicRoute(to, `tls_custom_ca_file: ${pki.ca.certFile}\ntls_server_name: api.internal`));
    const ok = await g.request('/');
    expect(ok.status).toBe(200);

    const unnamed = await gateway(publicRoute(to, `tls_custom_ca_file: ${pki.ca.certFile}`));
    await expectBare502(await unnamed.request('/'));
    expect(failures(unnamed.logs.json())[0]).toMatchObject({ reason: 'upstream certificate name mismatch' });

    const wrongName = await gateway(publicRoute(to, `tls_custom_ca_file: ${pki.ca.certFile}\ntls_server_name: other.internal`));
    await expectBare502(await wrongName.request('/'));
  });

  test('tls_skip_verify reaches an upstream nobody vouches for, and is warned about by check and at start', async () => {
    const server = pki.server('unverified', ['elsewhere.internal']);
    const to = tlsUpstream({ cert: server.cert, key: server.key });
    const config = publicRoute(to, 'tls_skip_verify: true');
    const g = await gateway(config);
    expect(await (await g.request('/')).text()).toBe('upstream ok');
    const startWarning = g.logs.json().find((l) => l.level === 'warn' && String(l.msg).includes('tls_skip_verify'));
    expect(startWarning?.msg).toContain('NOT verified');

    const file = join(pki.dir, 'skip-verify.yaml');
    writeFileSync(file, config);
    const check = await runCli(['check', '-c', file]);
    expect(check.code).toBe(0);
    expect(check.stderr).toMatch(/warning: .*skip-verify\.yaml:5:\d+: routes\[0\]\.tls_skip_verify: .*NOT verified/);
  });
});

describe.if(Boolean(openssl))('upstream TLS settings in the config', () => {
  /** The ConfigError message of a config that must not load. */
  async function loadError(extra: string, files?: Record<string, string>): Promise<string> {
    const error = await gateway(publicRoute('https://127.0.0.1:1', extra), { files }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeDefined();
    return error!.message;
  }

  test('a missing CA file is an error at its key and line', async () => {
    expect(await loadError('tls_custom_ca_file: missing-ca.pem')).toMatch(/gatehouse\.yaml:5:5: routes\[0\]\.tls_custom_ca_file: cannot read .*missing-ca\.pem: ENOENT/);
  });

  test('a file that holds no certificate is an error naming the key', async () => {
    expect(await loadError('tls_custom_ca_file: ca.pem', { 'ca.pem': 'not a certificate\n' })).toMatch(/gatehouse\.yaml:5:5: routes\[0\]\.tls_custom_ca: .*tls_custom_ca_file holds no PEM certificate/);
    const broken = pki.ca.cert.replace(/\n[A-Za-z0-9+/]{10}/, '\n##########');
    expect(await loadError('tls_custom_ca_file: ca.pem', { 'ca.pem': broken })).toContain('tls_custom_ca_file: certificate 1 of 1 is not a valid certificate');
  });

  test('a client certificate needs its key, and the key must be its own', async () => {
    const client = pki.client('lonely-client');
    const other = pki.client('other-client');
    expect(await loadError(`tls_client_cert_file: ${client.certFile}`)).toMatch(/:5:5: routes\[0\]\.tls_client_cert: .*tls_client_cert_file needs tls_client_key_file too/);
    expect(await loadError(`tls_client_key_file: ${client.keyFile}`)).toMatch(/:5:5: routes\[0\]\.tls_client_key: .*tls_client_key_file needs tls_client_cert_file too/);
    expect(await loadError(`tls_client_cert_file: ${client.certFile}\ntls_client_key_file: ${other.keyFile}`)).toMatch(/:6:5: routes\[0\]\.tls_client_key: .*does not belong to the certificate/);
    expect(await loadError(`tls_client_cert_file: ${client.certFile}\ntls_client_key_file: ${client.certFile}`)).toContain('tls_client_key_file is not a PEM private key');
  });

  test('a server name with a scheme or port is refused', async () => {
    expect(await loadError('tls_server_name: https://api.internal:443')).toMatch(/routes\[0\]\.tls_server_name: expected a host name/);
  });

  test('a reload with an unreadable CA file is refused and the running config keeps serving', async () => {
    const server = pki.server('reload-server', ['127.0.0.1']);
    const to = tlsUpstream({ cert: server.cert, key: server.key });
    const g = await gateway(publicRoute(to, `tls_custom_ca_file: ${pki.ca.certFile}`));
    writeFileSync(g.configFile, publicRoute(to, 'tls_custom_ca_file: gone.pem'));
    const reloaded = await g.server.reload();
    expect(reloaded.ok).toBe(false);
    expect(reloaded.ok ? '' : reloaded.error).toContain('tls_custom_ca_file');
    expect(await (await g.request('/')).text()).toBe('upstream ok');
  });
});
