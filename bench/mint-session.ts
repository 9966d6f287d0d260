/**
 * Prints, for the bench: a signing key file path's session cookie value for a user in group
 * `bench` (signed as Gatehouse signs trust cookies), and an argon2 hash for the config.
 *
 *   bun bench/mint-session.ts KEY_FILE   → line 1: cookie value, line 2: password hash
 */
import { readFileSync } from 'node:fs';
import { loadKeySet } from '../src/auth/tokens/keys.ts';
import { createOwnTokens } from '../src/auth/tokens/own-tokens.ts';
import { createJwtServices } from '../src/auth/tokens/jwt-services.ts';
import { TokenCache, type CachedVerification } from '../src/auth/tokens/token-cache.ts';
import { createSessions } from '../src/auth/session/sessions.ts';
import { silentLogger } from '../src/log/logger.ts';

const keyFile = process.argv[2];
if (!keyFile) throw new Error('usage: mint-session.ts KEY_FILE');
const keys = await loadKeySet(readFileSync(keyFile, 'utf8'));
// The issuer is the authenticate.url origin of bench/gatehouse-auth.yaml.template.
const tokens = createOwnTokens(keys, 'http://auth.127.0.0.1.nip.invalid');
const jwt = createJwtServices(tokens, new TokenCache<CachedVerification>());
const sessions = createSessions(
  { cookie_name: '_gatehouse', cookie_secure: false, cookie_http_only: true, cookie_same_site: 'lax', ttl: 14 * 3600_000 },
  tokens,
  jwt,
  { log: silentLogger },
);
const { token } = await sessions.issue({ sub: 'bench@example.test', email: 'bench@example.test', groups: ['bench'] });
console.log(token);
console.log(await Bun.password.hash('bench-password', { algorithm: 'argon2id' }));
