import { expect, test } from 'bun:test';
import type { Handler, Logger, RequestContext } from '../plugin-api/index.ts';
import { fakeContext } from '../testing/plugin-fakes.ts';
import { compose, guardTerminal, type Step } from './compose.ts';

type Line = { level: string; msg: string; fields?: Record<string, unknown> };

function context(): RequestContext & { lines: Line[] } {
  const lines: Line[] = [];
  const log: Logger = {
    debug: (msg, fields) => lines.push({ level: 'debug', msg, fields }),
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields }),
    child: () => log,
  };
  return { ...fakeContext(), log, lines };
}

/** Appends `name` to a trace on the way down and on the way up. */
function tracing(name: string, trace: string[]): Step {
  return {
    name,
    async handle(_ctx, next) {
      trace.push(`${name} down`);
      const response = await next();
      trace.push(`${name} up`);
      return response;
    },
  };
}

const ok = async () => new Response('from terminal');

test('no steps: the terminal itself', () => {
  expect(compose([], ok)).toBe(ok);
});

test('steps run in order on the way down and in reverse on the way up', async () => {
  const trace: string[] = [];
  const run = compose([tracing('a', trace), tracing('b', trace)], async () => {
    trace.push('terminal');
    return new Response('done');
  });
  expect(await (await run(context())).text()).toBe('done');
  expect(trace).toEqual(['a down', 'b down', 'terminal', 'b up', 'a up']);
});

test('a step that answers itself stops the chain', async () => {
  let reached = false;
  const run = compose([{ name: 'gate', handle: () => new Response('no', { status: 418 }) }], async () => {
    reached = true;
    return new Response('yes');
  });
  expect((await run(context())).status).toBe(418);
  expect(reached).toBe(false);
});

test('compose knows nothing of kinds or exemptions: every step runs', async () => {
  const trace: string[] = [];
  const ctx = context();
  ctx.exemption = { plugin: 'x', rule: 'y' };
  await compose([tracing('auth-like', trace)], ok)(ctx);
  expect(trace).toEqual(['auth-like down', 'auth-like up']);
});

test('a throwing step becomes 500 plugin_error at its level, logged with plugin and route', async () => {
  const trace: string[] = [];
  const thrower: Handler = () => {
    throw new Error('kaboom');
  };
  const ctx = context();
  const response = await compose([tracing('outer', trace), { name: 'thrower', handle: thrower }], ok)(ctx);
  expect(response.status).toBe(500);
  expect(((await response.json()) as { error: string }).error).toBe('plugin_error');
  expect(trace).toEqual(['outer down', 'outer up']);
  expect(ctx.lines).toHaveLength(1);
  expect(ctx.lines[0]).toMatchObject({ level: 'error', msg: 'plugin failed', fields: { plugin: 'thrower', route: 'routes[0]' } });
  expect(String(ctx.lines[0]!.fields!.error)).toContain('kaboom');
});

test('a step answering with anything but a Response becomes 500 plugin_error', async () => {
  const ctx = context();
  const odd = (async () => ({ status: 200 })) as unknown as Handler;
  const response = await compose([{ name: 'odd', handle: odd }], ok)(ctx);
  expect(response.status).toBe(500);
  expect(ctx.lines[0]).toMatchObject({ msg: 'plugin failed', fields: { plugin: 'odd', error: 'returned an object (Object) instead of a Response' } });
});

test('next() called twice is the calling step\'s failure', async () => {
  const ctx = context();
  const twice: Handler = async (_ctx, next) => {
    await next();
    return next();
  };
  const response = await compose([{ name: 'twice', handle: twice }], ok)(ctx);
  expect(response.status).toBe(500);
  expect(ctx.lines[0]).toMatchObject({ msg: 'plugin failed', fields: { plugin: 'twice' } });
  expect(String(ctx.lines[0]!.fields!.error)).toContain('next() called more than once');
});

test('a guarded terminal that throws answers 500 internal_error itself; no step is blamed', async () => {
  const trace: string[] = [];
  const ctx = context();
  const failing = guardTerminal('policy+proxy', async () => {
    throw new TypeError('proxy broke');
  });
  const response = await compose([tracing('a', trace), tracing('b', trace)], failing)(ctx);
  expect(response.status).toBe(500);
  expect(await response.json()).toEqual({ error: 'internal_error', request_id: ctx.requestId });
  expect(trace).toEqual(['a down', 'b down', 'b up', 'a up']);
  expect(ctx.lines).toHaveLength(1);
  expect(ctx.lines[0]).toMatchObject({ level: 'error', msg: 'request failed', fields: { step: 'policy+proxy', route: 'routes[0]' } });
  expect(String(ctx.lines[0]!.fields!.error)).toContain('proxy broke');
});

test('a guarded terminal passes its answer through untouched', async () => {
  const response = new Response('fine');
  expect(await guardTerminal('t', async () => response)(context())).toBe(response);
});
