/**
 * Bun macros (import them `with { type: 'macro' }`): they run when the importing file is bundled
 * or transpiled, so the text they return is inlined into the compiled binary. A plain
 * `with { type: 'text' }` import cannot do this for a file the binary also runs as code: the
 * bundler then keeps only one of the two.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The text of a file, `path` relative to this folder (src/cli). */
export function fileText(path: string): string {
  return readFileSync(resolve(import.meta.dir, path), 'utf8');
}

/** The declaration file shipped next to an installed package's entry point, e.g. valibot's `index.d.mts`. */
export function packageTypes(name: string, file: string): string {
  return readFileSync(join(dirname(Bun.resolveSync(name, import.meta.dir)), file), 'utf8');
}
