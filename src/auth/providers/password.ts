/**
 * Password hashing for static users: `gatehouse hash-password` and the dummy hash that keeps
 * unknown-user sign-ins as slow as wrong-password ones.
 */

/**
 * Reads a password from `input` (the first line; default stdin) and returns its argon2id hash.
 * Throws when the password is empty.
 */
export async function hashPassword(input: ReadableStream<Uint8Array> | string = Bun.stdin.stream()): Promise<string> {
  const text = typeof input === 'string' ? input : await new Response(input).text();
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password === '') throw new Error('no password given on stdin');
  return Bun.password.hash(password, { algorithm: 'argon2id' });
}

/** Cost parameters of an argon2 hash (`$argon2id$v=19$m=65536,t=2,p=1$…`), if it is one. */
export function argon2Params(hash: string): { memoryCost: number; timeCost: number } | undefined {
  const m = /^\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=\d+\$/.exec(hash);
  return m ? { memoryCost: Number(m[1]), timeCost: Number(m[2]) } : undefined;
}

/** An argon2id hash of a random password with the same cost as `like`, for timing-equal failures. */
export function dummyHash(like: string | undefined): Promise<string> {
  const params = (like && argon2Params(like)) || {};
  return Bun.password.hash(crypto.randomUUID(), { algorithm: 'argon2id', ...params });
}
