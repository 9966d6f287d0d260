import pkg from '../package.json' with { type: 'json' };

declare const GATEHOUSE_VERSION: string | undefined;

/** The version injected by `bun build --define` at build time, or package.json's when run from source. */
export const version: string = typeof GATEHOUSE_VERSION === 'string' ? GATEHOUSE_VERSION : `${pkg.version}-dev`;
