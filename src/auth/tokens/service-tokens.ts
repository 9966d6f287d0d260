/**
 * Service tokens: machine identities from `service_tokens`, matched by client id and secret.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Identity } from '../../plugin-api/index.ts';
import { deepFreeze } from './identity.ts';

export interface ServiceTokenConfig {
  name: string;
  client_id: string;
  client_secret: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Returns `(clientId, clientSecret) => Identity | null`. Both values are compared as SHA-256
 * digests in constant time, and every configured token is checked, so neither the length nor
 * a shared prefix of a guess shows in the timing. Identity: subject `service:<name>`, kind
 * `service`, no groups.
 */
export function createServiceTokenMatcher(tokens: readonly ServiceTokenConfig[]) {
  const entries = tokens.map((t) => ({
    id: digest(t.client_id),
    secret: digest(t.client_secret),
    identity: deepFreeze<Identity>({
      subject: `service:${t.name}`,
      kind: 'service',
      name: t.name,
      groups: [],
      claims: { sub: `service:${t.name}`, client_id: t.client_id },
      via: 'service-token',
    }),
  }));
  return (clientId: string, clientSecret: string): Identity | null => {
    const id = digest(clientId);
    const secret = digest(clientSecret);
    let found: Identity | null = null;
    for (const e of entries) {
      const match = timingSafeEqual(e.id, id) && timingSafeEqual(e.secret, secret);
      if (match && !found) found = e.identity;
    }
    return found;
  };
}
