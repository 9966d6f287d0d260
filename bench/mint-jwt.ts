/**
 * Prints an HS256 JWT for the header-jwt and nginx auth_request rows: issuer, audience and
 * secret as in bench/lib.sh, subject bench@example.test in group `bench`, valid for 24 hours.
 *   bun bench/mint-jwt.ts SECRET ISSUER AUDIENCE
 */
import { SignJWT } from 'jose';

const [secret, issuer, audience] = process.argv.slice(2);
if (!secret || !issuer || !audience) throw new Error('usage: mint-jwt.ts SECRET ISSUER AUDIENCE');
const token = await new SignJWT({ email: 'bench@example.test', groups: ['bench'] })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject('bench@example.test')
  .setIssuer(issuer)
  .setAudience(audience)
  .setIssuedAt()
  .setExpirationTime('24h')
  .sign(new TextEncoder().encode(secret));
console.log(token);
