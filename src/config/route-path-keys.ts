/**
 * A route's path keys: how it matches a path (`prefix`, `path` or `regex`, exactly one) and how
 * it rewrites the path for its upstream (`prefix_rewrite` with `prefix`, `regex_rewrite` with
 * `regex`). The regex itself is compiled and checked for catastrophic backtracking when the
 * route is compiled (src/router/path-matcher.ts), where its problems are located too.
 */
import * as v from 'valibot';

const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;

/** A path written in the config: starts with `/`; no query, fragment, whitespace or dot segment. */
const configPath = (key: string) =>
  v.pipe(
    v.string(),
    v.startsWith('/', `${key} starts with /`),
    v.check((s) => !/[?#\s]/.test(s), `${key} is a path only: no ?, # or spaces`),
    v.check((s) => !DOT_SEGMENT.test(s), `${key} holds no . or .. segment`),
  );

/** The entries of the route schema for its path keys. */
export const routePathEntries = {
  /** Defaults to `/` (see `withDefaultPrefix`). */
  prefix: v.optional(v.pipe(v.string(), v.startsWith('/', 'a prefix starts with /'))),
  path: v.optional(configPath('path')),
  regex: v.optional(v.pipe(v.string(), v.minLength(1, 'write a regular expression, e.g. ^/items/(\\d+)$'))),
  prefix_rewrite: v.optional(configPath('prefix_rewrite')),
  regex_rewrite: v.optional(
    v.pipe(
      v.string(),
      v.startsWith('/', 'regex_rewrite starts with /'),
      v.check((s) => !/[#\s]/.test(s), 'regex_rewrite holds no # or spaces'),
    ),
  ),
};

interface PathKeys {
  prefix?: string;
  path?: string;
  regex?: string;
  prefix_rewrite?: string;
  regex_rewrite?: string;
}

/** Exactly one of prefix/path/regex, and each rewrite only with its own kind of match. */
export const checkPathKeys = <T extends PathKeys>() =>
  v.rawCheck<T>(({ dataset, addIssue }) => {
  if (!dataset.typed) return;
  const route = dataset.value;
  const at = (key: keyof PathKeys): [v.ObjectPathItem] => [{ type: 'object', origin: 'value', input: route as Record<string, unknown>, key, value: route[key] }];
  const given = (['prefix', 'path', 'regex'] as const).filter((k) => route[k] !== undefined);
  if (given.length > 1) addIssue({ message: `a route matches by one of prefix, path or regex; this one sets ${given.join(' and ')}`, path: at(given[1]!) });
  const other = route.path !== undefined ? 'path' : route.regex !== undefined ? 'regex' : undefined;
  if (route.prefix_rewrite !== undefined && other) {
    addIssue({ message: `prefix_rewrite replaces the route's prefix, and this route matches by ${other}${other === 'regex' ? '; use regex_rewrite' : ''}`, path: at('prefix_rewrite') });
  }
  if (route.regex_rewrite !== undefined && route.regex === undefined) {
    addIssue({ message: `regex_rewrite fills in the groups of regex, and this route has none${route.path === undefined ? '; with a prefix use prefix_rewrite' : ''}`, path: at('regex_rewrite') });
  }
  });

/**
 * `prefix` is always set after validation, for what only displays it (route lists, `explain`):
 * `/` by default, the `path` of an exact-path route, `/` for a regex route. Routing reads
 * `path` and `regex` first.
 */
export const withDefaultPrefix = <T extends PathKeys>() => v.transform<T, T & { prefix: string }>((route) => ({ ...route, prefix: route.prefix ?? route.path ?? '/' }));
