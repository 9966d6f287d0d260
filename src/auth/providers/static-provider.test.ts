import { beforeAll, expect, spyOn, test } from 'bun:test';
import { argon2Params, hashPassword } from './password.ts';
import { createStaticProvider, type StaticUser } from './static-provider.ts';

let users: StaticUser[];
beforeAll(async () => {
  users = [{ email: 'Alice@Example.test', password_hash: await hashPassword('correct horse\n'), name: 'Alice', groups: ['dev'] }];
});

test('hashPassword reads the first line and makes an argon2id hash', async () => {
  const hash = await hashPassword(new Response('s3cret\nignored').body!);
  expect(hash.startsWith('$argon2id$')).toBe(true);
  expect(await Bun.password.verify('s3cret', hash)).toBe(true);
  expect(argon2Params(hash)).toEqual({ memoryCost: expect.any(Number), timeCost: expect.any(Number) });
  await expect(hashPassword('\n')).rejects.toThrow(/no password/);
});

test('the right password gives the profile; email matches case-insensitively', async () => {
  const provider = createStaticProvider(users);
  expect(await provider.verify('alice@example.test', 'correct horse')).toEqual({
    sub: 'alice@example.test',
    email: 'alice@example.test',
    name: 'Alice',
    groups: ['dev'],
  });
  expect(await provider.verify('alice@example.test', 'wrong')).toBeNull();
  expect(await provider.verify('nobody@example.test', 'correct horse')).toBeNull();
});

test('an unknown user still costs one argon2 verification (no timing oracle)', async () => {
  const provider = createStaticProvider(users);
  const spy = spyOn(Bun.password, 'verify');
  try {
    await provider.verify('nobody@example.test', 'whatever');
    expect(spy).toHaveBeenCalledTimes(1);
    const dummy = spy.mock.calls[0]![1] as string;
    expect(dummy.startsWith('$argon2id$')).toBe(true);
    expect(argon2Params(dummy)).toEqual(argon2Params(users[0]!.password_hash)!);
  } finally {
    spy.mockRestore();
  }
});
