import * as v from 'valibot';
import type { Admin } from '../admin/admin-state.ts';
import { describeIssue, type LoadedConfig } from '../config/load.ts';
import type { ConfigProblem } from '../config/errors.ts';
import type { RouteConfig } from '../config/schema.ts';
import { OptionProblems, type Handler, type Logger, type OptionSchemas, type Plugin, type PluginInstance, type RouteInfo } from '../plugin-api/index.ts';
import { compose, guardTerminal, type Step, type Terminal } from '../pipeline/compose.ts';
import { duration, headerMap } from '../config/schema.ts';
import { stateSetting } from '../config/state-setting.ts';
import { TOKEN } from '../http/header-rules.ts';
import { builtinPlugins } from '../plugin-loader/builtins.ts';
import { loadPlugin } from '../plugin-loader/load-plugin.ts';
import type { AuthRuntime } from '../auth/index.ts';
import type { ConsumedCredentials } from '../proxy/proxy.ts';
import { createServices } from './services.ts';

export const optionSchemas: OptionSchemas = {
  duration: duration as OptionSchemas['duration'],
  requestHeaders: () => v.optional(headerMap('request'), {}) as ReturnType<OptionSchemas['requestHeaders']>,
  token: (what) => v.pipe(v.string(), v.regex(TOKEN, `not a valid ${what}`)),
};

export interface BuiltPipeline {
  run: Terminal;
  instances: PluginInstance[];
}

interface BuildDeps {
  loaded: LoadedConfig;
  log: Logger;
  auth: AuthRuntime;
  admin: Admin;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
  consumed: ConsumedCredentials;
}

/** A placed plugin; `kind` decides the exemption rule and whether `trust-cookie` is added. */
interface PlacedStep extends Step {
  kind: 'auth' | 'other';
}

/**
 * Loads, validates and creates a route's plugins in order, then composes them in front of the
 * route's `terminal` (policy check and proxy), which answers its own failures. A non-public
 * route without any auth plugin gets `trust-cookie` at the end, so
 * `allow_any_authenticated_user` works without listing it. Auth plugins are skipped once a
 * plugin has granted an exemption.
 */
export async function buildRoutePipeline(
  route: RouteConfig,
  index: number,
  info: RouteInfo,
  terminal: Terminal,
  deps: BuildDeps,
): Promise<BuiltPipeline> {
  const steps: PlacedStep[] = [];
  const instances: PluginInstance[] = [];
  const entries: { use: string; options: Record<string, unknown>; at: (string | number)[] }[] = route.plugins.map((entry, j) => {
    const { use, ...options } = entry;
    return { use, options, at: ['routes', index, 'plugins', j] };
  });

  const instantiate = async (plugin: Plugin, options: unknown, at: (string | number)[], label: string): Promise<PlacedStep> => {
    const services = createServices({
      route: info,
      pluginName: plugin.name,
      log: deps.log,
      auth: deps.auth,
      admin: deps.admin,
      configDir: deps.loaded.dir,
      env: deps.loaded.env,
      stateTimeoutMs: stateSetting(deps.loaded.config, deps.loaded.dir, deps.loaded.env).timeoutMs,
      consumed: deps.consumed,
      warn: (message) => deps.warnings.push(deps.loaded.problem(at, `${label}: ${message}`)),
    });
    const created = await plugin.create(options as never, services);
    const instance = typeof created === 'function' ? { handle: created } : created;
    if (typeof instance?.handle !== 'function') throw new Error('create() must return a handler or { handle, close? }');
    instances.push(instance);
    const kind = plugin.kind ?? 'other';
    return { name: plugin.name, kind, handle: kind === 'auth' ? unlessExempt(instance.handle) : instance.handle };
  };
  let firstAuth: string | undefined;

  for (const entry of entries) {
    const label = `route ${info.id} (${route.from}), plugin "${entry.use}"`;
    const fail = (at: (string | number)[], message: string) => deps.problems.push(deps.loaded.problem(at, `${label}: ${message}`));
    let plugin;
    try {
      plugin = await loadPlugin(entry.use, deps.loaded.dir);
    } catch (error) {
      fail([...entry.at, 'use'], (error as Error).message);
      continue;
    }
    const kind = plugin.kind ?? 'other';
    if (route.policy?.public && kind === 'auth') {
      deps.warnings.push(deps.loaded.problem(entry.at, `${label}: the route is public, so this auth plugin never runs`));
      continue;
    }
    if (kind === 'auth') firstAuth ??= plugin.name;
    if (plugin.placement === 'before-auth' && firstAuth) {
      deps.warnings.push(
        deps.loaded.problem(entry.at, `${label}: runs after the auth plugin "${firstAuth}", so requests without credentials (such as CORS preflights) are refused before it sees them; list it first`),
      );
    }
    let options: unknown = entry.options;
    if (plugin.options) {
      const schema = plugin.options(v, optionSchemas);
      const result = v.safeParse(schema, entry.options, { abortEarly: false });
      if (!result.success) {
        for (const issue of result.issues) {
          const p = describeIssue(issue, (at, message) => deps.loaded.problem(at, message), schema, entry.at);
          deps.problems.push({ ...p, message: `${label}: ${p.message}` });
        }
        continue;
      }
      options = result.output;
    }
    try {
      steps.push(await instantiate(plugin, options, entry.at, label));
    } catch (error) {
      if (isOptionProblems(error) && error.problems.length > 0) {
        for (const problem of error.problems) fail([...entry.at, ...problem.at], problem.message);
      } else {
        fail(entry.at, (error as Error).message || 'create() failed without saying why');
      }
    }
  }

  const needsAuth = !route.policy?.public;
  const trustCookie = builtinPlugins.get('trust-cookie');
  if (needsAuth && !steps.some((s) => s.kind === 'auth') && trustCookie) {
    const defaults = trustCookie.options ? v.parse(trustCookie.options(v, optionSchemas), {}) : {};
    steps.push(await instantiate(trustCookie, defaults, ['routes', index], `route ${info.id} (${route.from})`));
  }
  return { run: compose(steps, guardTerminal('policy+proxy', terminal)), instances };
}

/** An auth plugin's handler, passed over once an earlier plugin has granted an exemption. */
function unlessExempt(handle: Handler): Handler {
  return (ctx, next) => (ctx.exemption ? next() : handle(ctx, next));
}

// A plugin run from source with its own copy of the API module throws another class of the same shape.
function isOptionProblems(error: unknown): error is OptionProblems {
  if (error instanceof OptionProblems) return true;
  if (!(error instanceof Error) || error.name !== 'OptionProblems') return false;
  const { problems } = error as { problems?: unknown };
  return Array.isArray(problems) && problems.every(isOptionProblem);
}

function isOptionProblem(p: unknown): boolean {
  const { at, message } = (p ?? {}) as { at?: unknown; message?: unknown };
  return Array.isArray(at) && at.every((k) => typeof k === 'string' || typeof k === 'number') && typeof message === 'string';
}
