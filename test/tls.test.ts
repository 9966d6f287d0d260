/** HTTPS from `tls.cert_file` / `tls.key_file`, with a self-signed certificate made by openssl. */
import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, startUpstream, type TestGateway } from './support/gateway.ts';

setDefaultTimeout(30_000);

const certDir = mkdtempSync(join(tmpdir(), 'gatehouse-tls-test-'));
let cert = '';
let key = '';

beforeAll(() => {
  const openssl = Bun.spawnSync(
    ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')],
    { stdout: 'pipe', stderr: 'pipe' },
  );
  if (openssl.exitCode !== 0) throw new Error(`openssl failed: ${openssl.stderr.toString()}`);
  cert = readFileSync(join(certDir, 'cert.pem'), 'utf8');
  key = readFileSync(join(certDir, 'key.pem'), 'utf8');
});

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function tlsGateway(to: string): Promise<TestGateway> {
  const g = await startGateway(
    `tls:
  cert_file: cert.pem
  key_file: key.pem
routes:
  - from: https://api.example.test
    to: ${to}
    policy: { public: true }
`,
    { files: { 'cert.pem': cert, 'key.pem': key } },
  );
  cleanup.push(() => g.stop());
  return g;
}

describe('tls', () => {
  test('serves HTTPS with the configured certificate and proxies to a plain-HTTP upstream', async () => {
    const up = startUpstream();
    cleanup.push(() => up.stop());
    const g = await tlsGateway(up.url);
    expect(g.origin).toStartWith('https://');
    const response = await fetch(`${g.origin}/secure?x=1`, { headers: { host: 'api.example.test' }, tls: { rejectUnauthorized: false } } as RequestInit);
    expect(response.status).toBe(200);
    const echo = (await response.json()) as { path: string; headers: Record<string, string> };
    expect(echo.path).toBe('/secure?x=1');
    expect(echo.headers['x-forwarded-proto']).toBe('https');
  });

  test('the certificate presented is the configured one', async () => {
    const up = startUpstream();
    cleanup.push(() => up.stop());
    const g = await tlsGateway(up.url);
    const { connect } = await import('node:tls');
    const presented = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: g.port, servername: 'localhost', rejectUnauthorized: false }, () => {
        const peer = socket.getPeerCertificate();
        socket.end();
        resolve(String(peer.subject?.CN ?? ''));
      });
      socket.on('error', reject);
    });
    expect(presented).toBe('localhost');
  });

  test('the certificate is trusted when the client trusts it (no rejectUnauthorized escape)', async () => {
    const up = startUpstream();
    cleanup.push(() => up.stop());
    const g = await tlsGateway(up.url);
    const response = await fetch(`https://localhost:${g.port}/`, { headers: { host: 'api.example.test' }, tls: { ca: cert } } as RequestInit);
    expect(response.status).toBe(200);
  });

  test('plain HTTP to the TLS port does not get proxied', async () => {
    const up = startUpstream();
    cleanup.push(() => up.stop());
    const g = await tlsGateway(up.url);
    const outcome = await fetch(`http://127.0.0.1:${g.port}/`, { headers: { host: 'api.example.test' } }).then(
      (r) => r.status,
      () => 'failed',
    );
    expect(outcome === 'failed' || (typeof outcome === 'number' && outcome >= 400)).toBe(true);
    expect(up.received).toHaveLength(0);
  });
});
