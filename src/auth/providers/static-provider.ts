/**
 * The `static` provider: users listed in the config with argon2id password hashes.
 */
import { dummyHash } from './password.ts';

export interface StaticUser {
  email: string;
  password_hash: string;
  name?: string;
  groups: string[];
}

export interface StaticProfile {
  sub: string;
  email: string;
  name?: string;
  groups: string[];
}

export interface StaticProvider {
  /** The user's profile when the password matches, else null. Unknown and wrong cost the same. */
  verify(email: string, password: string): Promise<StaticProfile | null>;
}

/**
 * Emails match case-insensitively; the subject is the lower-cased email. For an unknown email a
 * dummy hash (same cost as the first user's) is verified, so response timing does not reveal
 * which emails exist.
 */
export function createStaticProvider(users: readonly StaticUser[]): StaticProvider {
  const byEmail = new Map(users.map((u) => [u.email.trim().toLowerCase(), u]));
  // Made up front so the first unknown-user attempt is not slower than the rest.
  const dummy = dummyHash(users[0]?.password_hash);
  return {
    async verify(email, password) {
      const key = email.trim().toLowerCase();
      const user = byEmail.get(key);
      const hash = user?.password_hash ?? (await dummy);
      let ok = false;
      try {
        ok = await Bun.password.verify(password, hash);
      } catch {
        ok = false;
      }
      if (!ok || !user) return null;
      const profile: StaticProfile = { sub: key, email: key, groups: [...user.groups] };
      if (user.name) profile.name = user.name;
      return profile;
    },
  };
}
