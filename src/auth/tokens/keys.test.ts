import { describe, expect, test } from 'bun:test';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { checkKeyText, ephemeralKey, EPHEMERAL_KEY_ENV, generateSigningKeyPem, loadKeySet, splitPemBlocks } from './keys.ts';
import { createOwnTokens, TokenType } from './own-tokens.ts';

const sec1 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString();

describe('loadKeySet', () => {
  test('kid is the RFC 7638 thumbprint of the public key', async () => {
    const keys = await loadKeySet(generateSigningKeyPem());
    const jwk = keys.jwks.keys[0]!;
    // RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
    const canonical = `{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
    expect(jwk.kid).toBe(createHash('sha256').update(canonical).digest('base64url'));
    expect(keys.active.kid).toBe(jwk.kid);
  });

  test('publishes only public key material', async () => {
    const keys = await loadKeySet(generateSigningKeyPem());
    expect(keys.jwks.keys[0]).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: expect.any(String), alg: 'ES256', use: 'sig' });
    expect(JSON.stringify(keys.jwks)).not.toContain('"d"');
  });

  test('reads SEC1 keys (openssl ecparam output, with its EC PARAMETERS block)', async () => {
    const pem = `-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${sec1()}`;
    const keys = await loadKeySet(pem);
    expect(keys.jwks.keys).toHaveLength(1);
  });

  test('rotation: the first key signs, every key verifies', async () => {
    const [a, b] = [generateSigningKeyPem(), generateSigningKeyPem()];
    const old = createOwnTokens(await loadKeySet(b), 'https://auth.example.test');
    const rotated = createOwnTokens(await loadKeySet([a, b]), 'https://auth.example.test');
    const oldToken = await old.sign(TokenType.access, { sub: 'u' }, { audience: 'gatehouse' });
    expect((await rotated.verify(oldToken, { typ: TokenType.access })).sub).toBe('u');
    const fresh = await rotated.sign(TokenType.access, { sub: 'u' }, { audience: 'gatehouse' });
    expect(decodeProtectedHeader(fresh).kid).toBe((await loadKeySet(a)).active.kid);
    expect(rotated.keys.jwks.keys).toHaveLength(2);
  });

  test('several PEM blocks in one file are several keys', async () => {
    const keys = await loadKeySet(`${generateSigningKeyPem()}\n${generateSigningKeyPem()}`);
    expect(keys.jwks.keys).toHaveLength(2);
  });

  test('a retired key may be given as a public key; the signing key may not', async () => {
    const retired = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect((await loadKeySet([generateSigningKeyPem(), retired])).jwks.keys).toHaveLength(2);
    await expect(loadKeySet([retired])).rejects.toThrow(/must be a private key/);
  });

  test('refuses keys that are not ES256', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await expect(loadKeySet(rsa)).rejects.toThrow(/ES256/);
    await expect(loadKeySet(p384)).rejects.toThrow(/ES256/);
    expect(() => splitPemBlocks('not a key')).toThrow(/no PEM block/);
  });

  test('checkKeyText reports problems synchronously', () => {
    expect(checkKeyText(generateSigningKeyPem())).toBeUndefined();
    expect(checkKeyText('nope')).toMatch(/no PEM block/);
    expect(checkKeyText('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).toMatch(/key 1/);
  });
});

describe('ephemeralKey', () => {
  test('is stable within a process and inherited by workers through the env var', async () => {
    expect(ephemeralKey()).toBe(ephemeralKey());
    const inherited = generateSigningKeyPem();
    const proc = Bun.spawn([process.execPath, '-e', `import { ephemeralKey } from ${JSON.stringify(import.meta.dir + '/keys.ts')}; process.stdout.write(ephemeralKey());`], {
      env: { ...process.env, [EPHEMERAL_KEY_ENV]: inherited },
      stdout: 'pipe',
    });
    expect(await new Response(proc.stdout).text()).toBe(inherited);
  });
});
