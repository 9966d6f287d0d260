import type { Handler, RequestContext } from '../plugin-api/index.ts';

/** One plugin instance placed in a route's pipeline. */
export interface Step {
  /** The `use:` value, for logs. */
  name: string;
  handle: Handler;
}

/** The innermost step of a pipeline: it answers every request that gets that far. */
export type Terminal = (ctx: RequestContext) => Promise<Response>;

/**
 * Chains steps into an onion in front of `terminal`: each step gets `next()` to run the rest,
 * and the response flows back up through the steps before it. A step that throws, or answers
 * with anything but a Response, becomes a 500 `plugin_error` (with the request id) at that
 * level, so the steps above it still see a response (and can add CORS headers to it).
 * `terminal` must answer every request itself (see `guardTerminal`): a rejection from it would
 * be caught by, and blamed on, the innermost step.
 */
export function compose(steps: readonly Step[], terminal: Terminal): Terminal {
  if (steps.length === 0) return terminal;
  return function run(ctx: RequestContext): Promise<Response> {
    let reached = -1;
    const dispatch = async (i: number): Promise<Response> => {
      if (i <= reached) throw new Error('next() called more than once');
      reached = i;
      const step = steps[i];
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

/**
 * `terminal` answering a throw with its own 500 `internal_error`, logged as `request failed`
 * with `{ step, route }`: the steps above still see a response, and no plugin is blamed.
 */
export function guardTerminal(step: string, terminal: Terminal): Terminal {
  return async (ctx) => {
    try {
      return await terminal(ctx);
    } catch (error) {
      ctx.log.error('request failed', { step, route: ctx.route.id, error: describe(error) });
      return ctx.error(500, 'internal_error');
    }
  };
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'Object'})` : `a ${typeof value}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
