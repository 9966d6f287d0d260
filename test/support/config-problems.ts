import { expect } from 'bun:test';
import { ConfigError, type ConfigProblem } from '../../src/config/errors.ts';

/** Awaits a start that must fail on its config; returns the located problems (fails the test otherwise). */
export async function configProblems(start: Promise<unknown>): Promise<ConfigProblem[]> {
  const error = await start.then(
    () => new Error('expected the config to be refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}
