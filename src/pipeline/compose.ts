import type { Handler, RequestContext } from '../plugin-api/index.ts';

/** One plugin instance placed in a route's pipeline. */
export interface Step {
  /** The `use:` value, for logs. */
  name: string;
  kind: 'auth' | 'other';
  handle: Handler;
}

/**
 * Chains steps into an onion: each step gets `next()` to run the rest, and the response flows
 * back up through the steps before it. `auth` steps are skipped once a step has granted an
 * exemption. A step that throws, or answers with anything but a Response, becomes a 500 (with the request id) at that level, so the
 * steps above it still see a response (and can add CORS headers to it).
 */
export function compose(steps: readonly Step[], terminal: (ctx: RequestContext) => Promise<Response>) {
  if (steps.length === 0) return terminal;
  return function run(ctx: RequestContext): Promise<Response> {
    let reached = -1;
    const dispatch = async (i: number): Promise<Response> => {
      if (i <= reached) throw new Error('next() called more than once');
      reached = i;
      let step = steps[i];
      while (step && step.kind === 'auth' && ctx.exemption) step = steps[(reached = ++i)];
      if (!step) return terminal(ctx);
      try {
        const response: unknown = await step.handle(ctx, () => dispatch(i + 1));
        if (response instanceof Response) return response;
        ctx.log.error('plugin failed', { plugin: step.name, route: ctx.route.id, error: `returned ${describeValue(response)} instead of a Response` });
      } catch (error) {
        ctx.log.error('plugin failed', { plugin: step.name, route: ctx.route.id, error: describe(error) });
      }
      return ctx.error(500, 'plugin_error');
    };
    return dispatch(0);
  };
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'Object'})` : `a ${typeof value}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
