import { parseArgs } from 'node:util';
import { generateSigningKeyPem } from '../auth/tokens/keys.ts';
import { hashPassword } from '../auth/providers/password.ts';

export const keysHelp = `Usage: gatehouse keys generate

Prints a new ES256 private key (PKCS#8 PEM) for session.signing_key_file. To rotate, put the
new key first in the file and keep the old one after it until old sessions have expired: the
first key signs, every key verifies.`;

export async function keysCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(keysHelp), 0;
  if (positionals[0] !== 'generate') {
    console.error(keysHelp);
    return 2;
  }
  process.stdout.write(generateSigningKeyPem());
  return 0;
}

export const hashPasswordHelp = `Usage: gatehouse hash-password < password.txt

Reads a password from the first line of standard input and prints its argon2id hash, for
authenticate.static.users[].password_hash. Example:
  printf '%s' "$PASSWORD" | gatehouse hash-password`;

export async function hashPasswordCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(hashPasswordHelp), 0;
  try {
    console.log(await hashPassword());
    return 0;
  } catch (error) {
    console.error(`gatehouse hash-password: ${(error as Error).message}`);
    return 1;
  }
}
