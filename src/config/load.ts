import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as v from 'valibot';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, formatPath, type ConfigProblem } from './errors.ts';
import { interpolate } from './interpolate.ts';
import { knownKeysAt } from './known-keys.ts';
import { configSchema, type Config } from './schema.ts';
import { suggest } from './suggest.ts';
import { YamlLocator } from './yaml-locator.ts';

type Path = (string | number)[];

/** A validated config plus what is needed to report later problems at their place in the file. */
export interface LoadedConfig {
  config: Config;
  file: string;
  dir: string;
  /** The config after `${VAR}` and `_file` resolution, before validation (plugin options live here). */
  raw: Record<string, unknown>;
  /** The environment `${VAR}`s were read from; plugins' `services.secret` reads the same one. */
  env: Record<string, string | undefined>;
  /** A problem located at `path` in this config's file. */
  problem(path: Path, message: string): ConfigProblem;
}

/** Reads, interpolates and validates a config file; throws ConfigError listing every problem. */
export function loadConfigFile(file: string, env: Record<string, string | undefined> = process.env): LoadedConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([{ file: path, line: 0, column: 0, path: '', message: `cannot read config: ${(e as Error).message}` }]);
  }
  return loadConfigText(text, path, env);
}

/** As `loadConfigFile`, from text already read; `file` names it in errors and anchors relative paths. */
export function loadConfigText(text: string, file: string, env: Record<string, string | undefined> = process.env): LoadedConfig {
  const dir = dirname(file);
  const lines = new LineCounter();
  // `merge`: `<<: *anchor` then overrides, as in docker-compose files with `x-` blocks.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  const locator = new YamlLocator(doc, lines);
  const problem = (at: Path, message: string): ConfigProblem => ({ file, ...locator.locate(at), path: formatPath(at), message });

  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({ file, ...locator.position(e.pos[0]), path: '', message: `YAML: ${e.message.split('\n')[0]}` })),
    );
  }
  const problems: ConfigProblem[] = [];
  const raw = resolveValues(withoutIgnoredKeys(doc.toJS() ?? {}), [], { env, dir, report: (at, msg) => problems.push(problem(at, msg)) });
  if (problems.length > 0) throw new ConfigError(problems);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([problem([], 'the config must be a YAML mapping with at least `routes`')]);
  }

  const result = v.safeParse(configSchema, raw, { abortEarly: false });
  if (!result.success) throw new ConfigError(result.issues.map((issue) => describeIssue(issue, problem)));
  return { config: result.output, file, dir, raw: raw as Record<string, unknown>, env, problem };
}

/** Turns a valibot issue into a located problem, suggesting the nearest key for unknown ones. */
export function describeIssue(
  issue: v.BaseIssue<unknown>,
  problem: (at: Path, message: string) => ConfigProblem,
  schema: v.GenericSchema = configSchema,
  base: Path = [],
): ConfigProblem {
  const local: Path = (issue.path ?? []).map((p) => p.key as string | number);
  // A union (`state: memory` or `state: { url, … }`) that failed inside one of its shapes: the
  // deeper issue names the key at fault, where the union's own message would only list shapes.
  const deeper = issue.type === 'union' ? issue.issues?.find((i) => (i.path?.length ?? 0) > 0) : undefined;
  if (deeper) return describeIssue({ ...deeper, path: [...(issue.path ?? []), ...deeper.path!] } as typeof issue, problem, schema, base);
  const at = [...base, ...local];
  if (issue.type === 'strict_object' && issue.expected === 'never') return problem(at, unknownKeyMessage(String(local.at(-1)), knownKeysAt(schema, local.slice(0, -1)), at.length > 1));
  if (issue.received === 'undefined' && issue.kind === 'schema') return problem(at, `missing required key (${issue.expected})`);
  return problem(at, issue.message);
}

/**
 * Top-level `x-…` keys are left out before validation (the docker-compose convention), so they
 * can hold YAML anchors for routes to reuse. Aliases are already resolved by then.
 */
const IGNORED_PREFIX = 'x-';

function withoutIgnoredKeys(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith(IGNORED_PREFIX)));
}

/** "Did you mean" for a likely typo, else the keys that are valid at that place. */
function unknownKeyMessage(key: string, valid: string[], nested: boolean): string {
  const unknown = `unknown key "${key}"`;
  if (nested && key.startsWith(IGNORED_PREFIX)) return `${unknown}; ${IGNORED_PREFIX} keys are ignored only at the top level of the config`;
  const near = suggest(key, valid);
  if (near) return `${unknown}; did you mean "${near}"?`;
  return valid.length > 0 ? `${unknown}; valid keys here: ${valid.join(', ')}` : unknown;
}

interface ResolveContext {
  env: Record<string, string | undefined>;
  dir: string;
  report(at: Path, message: string): void;
}

/** Applies `${VAR}` to every string and turns each `key_file: path` into `key: <file contents>`. */
function resolveValues(value: unknown, at: Path, ctx: ResolveContext): unknown {
  if (typeof value === 'string') {
    const { value: out, missing } = interpolate(value, ctx.env);
    for (const name of missing) ctx.report(at, `environment variable ${name} is not set`);
    return out;
  }
  if (Array.isArray(value)) return value.map((item, i) => resolveValues(item, [...at, i], ctx));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolveValues(item, [...at, key], ctx);
      if (!key.endsWith('_file') || typeof resolved !== 'string') {
        out[key] = resolved;
        continue;
      }
      const target = key.slice(0, -'_file'.length);
      if (target in (value as Record<string, unknown>)) {
        ctx.report([...at, key], `set either "${target}" or "${key}", not both`);
        continue;
      }
      try {
        out[target] = readFileSync(resolve(ctx.dir, resolved), 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        ctx.report([...at, key], `cannot read ${resolve(ctx.dir, resolved)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    return out;
  }
  return value;
}
