/**
 * Which state store a config means: what it says, or the default that keeps several workers
 * correct (a SQLite file next to the config, or under `GATEHOUSE_STATE_DIR`).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Config } from './schema.ts';

/** The store to open and its options, with the default filled in. */
export interface StateSetting {
  url: string;
  prefix: string;
  /** How long verified sessions keep working while the store is down, in ms. */
  graceMs: number;
  /** Time limit of one store call, in ms. */
  timeoutMs: number;
  /** True when the config named no store and this one was chosen for it. */
  defaulted: boolean;
}

function workerCount(workers: Config['workers']): number {
  return workers === 'auto' ? availableParallelism() : workers;
}

/** The effective `state` of `config`, whose file lives in `configDir`. */
export function stateSetting(config: Config, configDir: string, env: Record<string, string | undefined> = process.env): StateSetting {
  const given = config.state;
  if (given) return { url: given.url, prefix: given.prefix, graceMs: given.grace, timeoutMs: given.timeout, defaulted: false };
  const shared = workerCount(config.workers) > 1;
  const url = shared ? `sqlite:${join(env.GATEHOUSE_STATE_DIR ?? join(configDir, '.gatehouse'), 'state.db')}` : 'memory';
  return { url, prefix: 'gatehouse:', graceMs: 60_000, timeoutMs: 1000, defaulted: true };
}

/** Why the config's `state` cannot work with its `workers`, or null. */
export function stateProblem(config: Config): string | null {
  if (config.state?.url === 'memory' && workerCount(config.workers) > 1) {
    return 'memory keeps state in one process, so with several workers one-time codes, throttles and sign-outs would hold per worker; use state: sqlite:/var/lib/gatehouse/state.db (one machine) or redis://host:6379/0 (several), or leave state out for a SQLite file next to the config';
  }
  return null;
}
