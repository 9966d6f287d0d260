/**
 * `tls.client_ca_file`: every client must present a certificate the CA signed, on every
 * certificate's SNI name (a client picks the entry, so one without verification would open all).
 * Bun.serve does not expose the verified certificate to the request, so `client_auth: request`
 * (which could only be acted on with it) is refused.
 */
import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { certificateMaker, opensslOrSkip, tlsRequest, type Pem } from './support/certificates.ts';
import { configProblems } from './support/config-problems.ts';
import { startGateway, startUpstream, type TestGateway } from './support/gateway.ts';

setDefaultTimeout(30_000);

const openssl = opensslOrSkip('the client certificate tests');
const pems: Record<'server' | 'api' | 'ca' | 'client' | 'otherCa' | 'stranger' | 'serverOnly', Pem> = {} as never;
beforeAll(() => {
  if (!openssl) return;
  const make = certificateMaker(openssl);
  pems.server = make.selfSigned('default');
  pems.api = make.selfSigned('api');
  pems.ca = make.authority('clients-ca');
  pems.client = make.signedBy(pems.ca, 'robot-1', { client: true, sans: ['DNS:robot.example.test', 'URI:spiffe://example.test/robot'] });
  pems.otherCa = make.authority('other-ca');
  pems.stranger = make.signedBy(pems.otherCa, 'stranger', { client: true });
});

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const files = () => ({
  'server.crt': pems.server.cert,
  'server.key': pems.server.key,
  'api.crt': pems.api.cert,
  'api.key': pems.api.key,
  'clients-ca.pem': pems.ca.cert,
});

async function gatewayWith(tls: string): Promise<TestGateway> {
  const up = startUpstream();
  cleanup.push(() => up.stop());
  const g = await startGateway(`${tls}\nroutes:\n  - from: https://*.example.test\n    to: ${up.url}\n    policy: { public: true }\n`, { files: files() });
  cleanup.push(() => g.stop());
  return g;
}

describe.skipIf(!openssl)('client certificates', () => {
  test('required: no certificate or one from another CA is refused; one the CA signed gets through', async () => {
    const g = await gatewayWith('tls: { cert_file: server.crt, key_file: server.key, client_ca_file: clients-ca.pem }');
    const host = 'app.example.test';
    expect(await tlsRequest(g.port, { host })).toStartWith('error:');
    expect(await tlsRequest(g.port, { host, client: pems.stranger })).toStartWith('error:');
    expect(await tlsRequest(g.port, { host, client: pems.client })).toBe(200);
    // And through fetch, trusting the server's certificate instead of skipping verification.
    const response = await fetch(`https://localhost:${g.port}/`, {
      headers: { host },
      tls: { ca: pems.server.cert, cert: pems.client.cert, key: pems.client.key, checkServerIdentity: () => undefined },
    } as RequestInit);
    expect(response.status).toBe(200);
  });

  test('required on every SNI name, not only the default certificate', async () => {
    const g = await gatewayWith(`tls:
  - { cert_file: server.crt, key_file: server.key, client_ca_file: clients-ca.pem }
  - { cert_file: api.crt, key_file: api.key, hosts: [api.example.test] }`);
    const sni = { host: 'api.example.test', servername: 'api.example.test' };
    expect(await tlsRequest(g.port, sni)).toStartWith('error:');
    expect(await tlsRequest(g.port, { ...sni, client: pems.client })).toBe(200);
  });

  test('client_auth: request is refused with the reason, at its line', async () => {
    const problems = await configProblems(gatewayWith('tls:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: clients-ca.pem\n  client_auth: request'));
    expect(problems[0]).toMatchObject({ line: 5, path: 'tls.client_auth' });
    expect(problems[0]!.message).toContain('does not tell Gatehouse which one a client presented');
  });

  test('client_ca_file on a later entry, or one holding no certificate, is a located error', async () => {
    const later = await configProblems(gatewayWith(`tls:
  - { cert_file: server.crt, key_file: server.key }
  - { cert_file: api.crt, key_file: api.key, hosts: [api.example.test], client_ca_file: clients-ca.pem }`));
    expect(later[0]).toMatchObject({ line: 3, path: 'tls[1].client_ca' });
    expect(later[0]!.message).toContain('on the first entry');
    const notPem = await configProblems(gatewayWith('tls: { cert_file: server.crt, key_file: server.key, client_ca_file: server.key }'));
    expect(notPem[0]).toMatchObject({ line: 1, path: 'tls.client_ca' });
    expect(notPem[0]!.message).toContain('no PEM certificate');
  });
});
