/**
 * The `gatehouse-plugin.d.ts` that `gatehouse plugin init` writes: ambient declarations of
 * `gatehouse/plugin`, `gatehouse/testing`, `valibot` and `bun:test`, made from the sources this
 * binary was built from, so an editor type-checks a plugin folder that has no node_modules.
 * Ambient modules (not tsconfig `paths`) because Bun also reads `paths` at run time, where
 * `gatehouse plugin test` serves these modules itself.
 */
import { version } from '../version.ts';
import { fileText, packageTypes } from './embed-text.ts' with { type: 'macro' };

const apiSource = fileText('../plugin-api/index.ts');
const testingSource = fileText('../testing/index.ts');
const valibotSource = packageTypes('valibot', 'index.d.mts');

const TYPES_REGION = /\/\/ #region plugin-author types[^\n]*\n([\s\S]*?)\/\/ #endregion/;

/** The types file's full text. */
export function pluginTypesFile(): string {
  return [
    `// Types for Gatehouse ${version} plugins, written by \`gatehouse plugin init\`. For the editor only:`,
    `// at run time the gatehouse binary provides 'gatehouse/plugin' itself, and \`gatehouse plugin test\``,
    `// provides 'gatehouse/testing' and 'bun:test' too. If you install @types/bun, delete the 'bun:test'`,
    `// block at the end.`,
    '',
    ambientModule('gatehouse/plugin', declarationsOf(apiSource)),
    ambientModule('gatehouse/testing', testingDeclarations(testingSource)),
    ambientModule('valibot', withoutDeclare(valibotSource)),
    ambientModule('bun:test', BUN_TEST),
  ].join('\n');
}

function ambientModule(name: string, body: string): string {
  return `declare module '${name}' {\n${body.trimEnd()}\n}\n`;
}

/** A module's source as ambient declarations: function and constructor bodies dropped (types are all that remain). */
export function declarationsOf(source: string): string {
  return withoutDeclare(source)
    .replace(/^export (?:async )?function ([^\n]*?)\s*\{\n[\s\S]*?^\}$/gm, 'export function $1;')
    .replace(/^( +)(constructor\([^\n]*\))\s*\{\n[\s\S]*?^\1\}$/gm, '$1$2;');
}

function testingDeclarations(source: string): string {
  const region = TYPES_REGION.exec(source)?.[1];
  if (!region) throw new Error('testing.ts lost its "plugin-author types" region');
  return region;
}

/** `declare` is implied (and refused) inside `declare module`. */
function withoutDeclare(source: string): string {
  return source.replace(/^declare /gm, '').replace(/^export declare /gm, 'export ');
}

/** The part of `bun:test` plugin tests use; `[matcher: string]: any` keeps the rest usable. */
const BUN_TEST = `  type Callback = () => unknown;
  export function test(name: string, fn: Callback, timeoutMs?: number): void;
  export namespace test {
    function skip(name: string, fn: Callback, timeoutMs?: number): void;
    function only(name: string, fn: Callback, timeoutMs?: number): void;
    function todo(name: string, fn?: Callback): void;
  }
  export { test as it };
  export function describe(name: string, fn: () => void): void;
  export function beforeAll(fn: Callback): void;
  export function afterAll(fn: Callback): void;
  export function beforeEach(fn: Callback): void;
  export function afterEach(fn: Callback): void;
  export interface Matchers<R = void> {
    not: Matchers<R>;
    resolves: Matchers<Promise<void>>;
    rejects: Matchers<Promise<void>>;
    toBe(expected: unknown): R;
    toEqual(expected: unknown): R;
    toStrictEqual(expected: unknown): R;
    toMatchObject(expected: object): R;
    toContain(expected: unknown): R;
    toMatch(expected: string | RegExp): R;
    toHaveLength(length: number): R;
    toHaveProperty(path: string, value?: unknown): R;
    toBeDefined(): R;
    toBeUndefined(): R;
    toBeNull(): R;
    toBeTruthy(): R;
    toBeFalsy(): R;
    toBeGreaterThan(n: number | bigint): R;
    toBeGreaterThanOrEqual(n: number | bigint): R;
    toBeLessThan(n: number | bigint): R;
    toBeLessThanOrEqual(n: number | bigint): R;
    toBeInstanceOf(type: abstract new (...args: never[]) => unknown): R;
    toThrow(expected?: string | RegExp | Error): R;
    [matcher: string]: any;
  }
  export function expect(actual: unknown): Matchers;
`;
