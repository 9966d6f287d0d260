import { OptionProblems, type OptionProblem, type OptionSchemas, type Valibot } from '../../src/plugin-api/index.ts';
import { compileMount, isUnderMountPath, mountPathProblem, type Mount } from './mount.ts';

/** The options schema; built from the gateway's valibot so the plugin needs no node_modules. */
export function optionsSchema(v: typeof Valibot, { duration, requestHeaders }: OptionSchemas) {
  const mountPath = (what: string) =>
    v.pipe(
      v.string(),
      v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        const problem = mountPathProblem(dataset.value);
        if (problem) addIssue({ message: `${what} "${dataset.value}" ${problem}` });
      }),
    );
  const upstreamUrl = v.pipe(
    v.string(),
    v.check(isUpstreamUrl, (issue) => `"${String(issue.input)}" is not an upstream URL: expected http(s)://host[:port][/base/path], no query or fragment`),
  );
  return v.strictObject({
    prefix: mountPath('prefix'),
    to: v.union([upstreamUrl, v.pipe(v.array(upstreamUrl), v.minLength(1, 'list at least one upstream URL'))]),
    strip_prefix: v.optional(v.boolean()),
    rewrite: v.optional(mountPath('rewrite')),
    set_request_headers: requestHeaders(),
    pass_identity_headers: v.optional(v.boolean(), false),
    timeout: v.pipe(duration('30s'), v.minValue(1, 'timeout must be a positive duration; use e.g. 500ms, 30s, 5m')),
    rewrite_location: v.optional(v.boolean(), true),
    rewrite_cookie_path: v.optional(v.boolean(), true),
    drop_cookie_domain: v.optional(v.boolean(), true),
  });
}

export type PathPrefixOptions = Valibot.InferOutput<ReturnType<typeof optionsSchema>>;

/** Options after cross-checks, in the shape the handler uses. */
export interface ResolvedOptions {
  mount: Mount;
  /** What replaces the prefix upstream: `''` (strip), the prefix itself, or `rewrite`. */
  replacement: string;
  to: string[];
  timeoutMs: number;
  /** Header name and value pairs, validated. */
  headers: [string, string][];
}

// Served by the gateway itself, never proxied.
const RESERVED = ['/.gatehouse', '/.well-known/gatehouse'];
/** Refuses contradictory settings with `OptionProblems`, each naming the offending value, located at it. */
export function resolveOptions(o: PathPrefixOptions): ResolvedOptions {
  const problems: OptionProblem[] = [];
  if (o.rewrite !== undefined && o.strip_prefix === false) {
    problems.push({ at: ['rewrite'], message: `rewrite: "${o.rewrite}" replaces the prefix, which contradicts strip_prefix: false; keep one of them` });
  }
  if (RESERVED.some((reserved) => isUnderMountPath(o.prefix, reserved))) {
    problems.push({ at: ['prefix'], message: `prefix "${o.prefix}" is reserved for the gateway's own endpoints` });
  }
  if (problems.length > 0) throw new OptionProblems(problems);
  const mount = compileMount(o.prefix);
  const replacement = o.rewrite !== undefined ? (o.rewrite === '/' ? '' : o.rewrite) : o.strip_prefix === false ? (o.prefix === '/' ? '' : o.prefix) : '';
  const headers: [string, string][] = [];
  // Names and values were checked by the engine's schema (services' requestHeaders()).
  for (const [name, value] of Object.entries(o.set_request_headers)) headers.push([name, value.trim()]);
  return { mount, replacement, to: typeof o.to === 'string' ? [o.to] : [...o.to], timeoutMs: o.timeout, headers };
}

function isUpstreamUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '' && !value.includes('?') && !value.includes('#');
}
