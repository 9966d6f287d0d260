/**
 * Gatehouse's own ES256 keys: the first configured key signs, every configured key verifies
 * (rotation), each is known by its RFC 7638 thumbprint (`kid`), and the public halves are
 * published as a JWKS for upstreams that check `X-Gatehouse-Jwt-Assertion`.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';

/** Env var through which the engine hands the parent's ephemeral key to worker processes. */
export const EPHEMERAL_KEY_ENV = 'GATEHOUSE_EPHEMERAL_KEY';

export interface PublicJwk extends JWK {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** Raw private scalar, only used to derive per-purpose secrets (CSRF). */
  secretSeed: Uint8Array;
}

export interface KeySet {
  /** The key new tokens are signed with. */
  readonly active: SigningKey;
  /** Every key accepted for verification, by `kid`. */
  readonly verifying: ReadonlyMap<string, CryptoKey>;
  /** `{"keys": [...]}` for `/.well-known/gatehouse/jwks.json`, computed once. */
  readonly jwks: { keys: PublicJwk[] };
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

/** Splits configured key text (one string, several PEM blocks, or a list) into PEM blocks. */
export function splitPemBlocks(input: string | string[]): string[] {
  const texts = Array.isArray(input) ? input : [input];
  const blocks: string[] = [];
  for (const text of texts) {
    const found = text.match(PEM_BLOCK);
    if (!found) throw new Error('no PEM block found (expected "-----BEGIN PRIVATE KEY-----")');
    // SEC1 files from `openssl ecparam -genkey` start with an EC PARAMETERS block; it carries nothing we need.
    blocks.push(...found.filter((b) => !b.startsWith('-----BEGIN EC PARAMETERS-----')));
  }
  return blocks;
}

function describeKey(pem: string, index: number): { key: KeyObject; isPrivate: boolean } {
  let key: KeyObject;
  let isPrivate = true;
  try {
    key = /-----BEGIN PUBLIC KEY-----/.test(pem) ? ((isPrivate = false), createPublicKey(pem)) : createPrivateKey(pem);
  } catch (e) {
    throw new Error(`key ${index + 1}: not a readable PEM key (${(e as Error).message})`);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || (curve !== 'prime256v1' && curve !== 'P-256')) {
    throw new Error(`key ${index + 1}: expected an ES256 key (EC P-256), got ${key.asymmetricKeyType}${curve ? ` ${curve}` : ''}`);
  }
  return { key, isPrivate };
}

/**
 * Loads ES256 keys from PEM text: PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`).
 * Several keys mean rotation: the first signs and must be private; the others only verify and
 * may be public keys (`BEGIN PUBLIC KEY`), so a retired key can stay trusted without its secret.
 * Throws an Error naming the offending key (1-based) when a key is unusable.
 */
export async function loadKeySet(input: string | string[]): Promise<KeySet> {
  const blocks = splitPemBlocks(input);
  if (blocks.length === 0) throw new Error('no keys configured');
  const verifying = new Map<string, CryptoKey>();
  const keys: PublicJwk[] = [];
  let active: SigningKey | undefined;
  for (const [i, pem] of blocks.entries()) {
    const { key, isPrivate } = describeKey(pem, i);
    if (i === 0 && !isPrivate) throw new Error('key 1: the first key signs, so it must be a private key');
    const jwk = (isPrivate ? createPublicKey(key) : key).export({ format: 'jwk' }) as { x: string; y: string };
    const base = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } as const;
    const kid = await calculateJwkThumbprint(base, 'sha256');
    if (verifying.has(kid)) continue;
    const publicJwk: PublicJwk = { ...base, kid, alg: 'ES256', use: 'sig' };
    verifying.set(kid, (await importJWK(publicJwk, 'ES256')) as CryptoKey);
    keys.push(publicJwk);
    if (i === 0) {
      const priv = key.export({ format: 'jwk' }) as { d: string };
      active = {
        kid,
        privateKey: (await importJWK({ ...base, d: priv.d }, 'ES256')) as CryptoKey,
        secretSeed: Buffer.from(priv.d, 'base64url'),
      };
    }
  }
  return { active: active!, verifying, jwks: { keys } };
}

/** A new ES256 private key as PKCS#8 PEM; what `gatehouse keys generate` prints. */
export function generateSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

let ephemeral: string | undefined;

/**
 * The key used when `session.signing_key` is not configured: generated once per process and
 * then reused (so a config reload keeps sessions valid). The engine calls this in the parent
 * and passes the PEM to workers in `GATEHOUSE_EPHEMERAL_KEY`, so all workers share it; a worker
 * started with that variable returns the inherited key instead of making a new one.
 */
export function ephemeralKey(): string {
  ephemeral ??= process.env[EPHEMERAL_KEY_ENV] || generateSigningKeyPem();
  return ephemeral;
}

/** Synchronous check of configured key text for `gatehouse check`: an error message, or undefined. */
export function checkKeyText(input: string | string[]): string | undefined {
  try {
    const blocks = splitPemBlocks(input);
    for (const [i, pem] of blocks.entries()) {
      const { isPrivate } = describeKey(pem, i);
      if (i === 0 && !isPrivate) return 'key 1: the first key signs, so it must be a private key';
    }
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
