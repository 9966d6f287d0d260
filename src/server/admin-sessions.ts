/**
 * Operations on sessions for operators: the admin listener's `/sessions` endpoints, and what
 * `gatehouse sessions` shares with them (the JSON of a session, revoking with a count, opening
 * the configured state from a process that does not serve the config).
 *
 * - `GET /sessions?user=EMAIL&limit=N`: `{"sessions": [...]}`, newest first.
 * - `POST /sessions/revoke` with `{"session": ID}`, `{"user": EMAIL}` or `{"all": true}`:
 *   `{"revoked": N}`, N being the live sessions that ended.
 *
 * Both need `Authorization: Bearer <admin.token>`; without a configured token they answer 404.
 */
import { existsSync } from 'node:fs';
import type { SessionRecord, SessionRegistry } from '../auth/session/session-registry.ts';
import { createSessionRegistry } from '../auth/session/session-registry.ts';
import type { LoadedConfig } from '../config/load.ts';
import { stateSetting } from '../config/state-setting.ts';
import { jsonError } from '../http/json-error.ts';
import { readCappedBody } from '../http/read-capped-body.ts';
import { newRequestId } from '../http/request-id.ts';
import { timingSafeEqual } from '../http/secure-compare.ts';
import { silentLogger } from '../log/logger.ts';
import type { Logger } from '../plugin-api/index.ts';
import { openStateStore, parseStateSpec } from '../state/open-store.ts';
import { redactRedisUrl } from '../state/redis-store.ts';
import { isStateUnavailable } from '../state/store.ts';

/** Most sessions one listing returns (and one count looks at). */
export const MAX_SESSIONS_LISTED = 10_000;
const DEFAULT_LISTED = 1000;
const BODY_CAP = 4096;
const REALM = 'Bearer realm="gatehouse-admin"';

/** A session as the CLI's `--json` and `GET /sessions` show it: times in ISO 8601. */
export interface SessionJson {
  sid: string;
  sub: string;
  email?: string;
  name?: string;
  method: string;
  created: string;
  last_seen: string;
  expires: string;
}

export function sessionJson(s: SessionRecord): SessionJson {
  const iso = (ms: number) => new Date(ms).toISOString();
  return { sid: s.sid, sub: s.sub, email: s.email, name: s.name, method: s.method, created: iso(s.created), last_seen: iso(s.lastSeen), expires: iso(s.exp * 1000) };
}

export type RevokeTarget = { session: string } | { user: string } | { all: true };

/** Reads `{session}` | `{user}` | `{all: true}`, exactly one; a sentence saying what is wrong otherwise. */
export function revokeTarget(body: unknown): RevokeTarget | string {
  const expected = 'expected exactly one of {"session": ID}, {"user": EMAIL} or {"all": true}';
  if (!body || typeof body !== 'object' || Array.isArray(body)) return expected;
  const keys = Object.keys(body);
  if (keys.length !== 1) return expected;
  const value = (body as Record<string, unknown>)[keys[0]!];
  if (keys[0] === 'all') return value === true ? { all: true } : '"all" must be true';
  if (keys[0] !== 'session' && keys[0] !== 'user') return expected;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 512) return `"${keys[0]}" must be a non-empty string`;
  return keys[0] === 'session' ? { session: value.trim() } : { user: value.trim() };
}

/**
 * Revokes what `target` names; returns how many live sessions ended. A session id nobody holds
 * is revoked all the same (its record may have been lost) and counts 0.
 */
export async function revokeSessions(registry: SessionRegistry, target: RevokeTarget): Promise<number> {
  if ('user' in target) return registry.revokeUser(target.user);
  const live = await registry.list({ limit: MAX_SESSIONS_LISTED });
  if ('all' in target) {
    await registry.revokeAll();
    return live.length;
  }
  await registry.revokeSession(target.session);
  return live.some((s) => s.sid === target.session) ? 1 : 0;
}

export interface AdminSessionsOptions {
  /** `admin.token`. Default none: the endpoints answer 404. */
  token?: string;
  /** The registry of the config being served; undefined while none is (503). */
  registry: () => SessionRegistry | undefined;
}

/**
 * The `/sessions` endpoints of the admin listener. The returned function answers null for any
 * other path, so the listener goes on to its own.
 *
 * @param options.token the bearer token (`admin.token`); default none, and the endpoints answer 404
 * @param options.registry the current config's session registry, asked per request
 */
export function adminSessionsHandler(options: AdminSessionsOptions): (request: Request) => Promise<Response | null> {
  const { token } = options;
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (path !== '/sessions' && path !== '/sessions/revoke') return null;
    const id = newRequestId();
    if (!token) return jsonError(404, 'not_found', id);
    const given = /^Bearer +(\S+) *$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    if (given === undefined) return jsonError(401, 'unauthorized', id, {}, { 'www-authenticate': REALM });
    if (!timingSafeEqual(given, token)) return jsonError(401, 'unauthorized', id, {}, { 'www-authenticate': `${REALM}, error="invalid_token"` });

    const wanted = path === '/sessions' ? 'GET' : 'POST';
    if (request.method !== wanted && !(wanted === 'GET' && request.method === 'HEAD')) {
      return jsonError(405, 'method_not_allowed', id, {}, { allow: wanted === 'GET' ? 'GET, HEAD' : 'POST' });
    }
    const registry = options.registry();
    if (!registry) return jsonError(503, 'not_ready', id, { message: 'no config is being served yet' }, { 'retry-after': '1' });
    try {
      return wanted === 'GET' ? await list(registry, new URL(request.url).searchParams, id) : await revoke(registry, request, id);
    } catch (error) {
      if (isStateUnavailable(error)) return jsonError(503, 'state_unavailable', id, { message: 'the state store cannot be reached; try again shortly' }, { 'retry-after': '5' });
      return jsonError(500, 'internal_error', id);
    }
  };
}

async function list(registry: SessionRegistry, query: URLSearchParams, id: string): Promise<Response> {
  const limitText = query.get('limit');
  const limit = limitText === null ? DEFAULT_LISTED : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SESSIONS_LISTED) {
    return jsonError(400, 'invalid_request', id, { detail: `limit must be a whole number from 1 to ${MAX_SESSIONS_LISTED}` });
  }
  const user = query.get('user')?.trim() || undefined;
  const sessions = await registry.list({ user, limit });
  return Response.json({ sessions: sessions.map(sessionJson) }, { headers: { 'cache-control': 'no-store' } });
}

async function revoke(registry: SessionRegistry, request: Request, id: string): Promise<Response> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) return jsonError(415, 'unsupported_media_type', id, { detail: 'send the body as application/json' });
  const body = await readCappedBody(request, { maxBytes: BODY_CAP });
  if (!body.ok) return jsonError(413, 'body_too_large', id);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body.bytes));
  } catch {
    return jsonError(400, 'invalid_json', id);
  }
  const target = revokeTarget(parsed);
  if (typeof target === 'string') return jsonError(400, 'invalid_request', id, { detail: target });
  return Response.json({ revoked: await revokeSessions(registry, target) }, { headers: { 'cache-control': 'no-store' } });
}

export interface OpenedSessionRegistry {
  registry: SessionRegistry;
  /** The store, for messages: `sqlite /path/state.db` or the Redis URL without its password. */
  where: string;
  close(): Promise<void>;
}

/**
 * Opens the state a config names (its `state`, or the default `run` would use) and a session
 * registry on it, for a process that does not serve the config: `gatehouse sessions`, or the
 * workers' supervisor behind the admin listener. Throws an Error that says why for a `memory`
 * state (it lives inside the serving process) and for an unknown spec.
 *
 * @param loaded the loaded config; `session.ttl` is how long revocations are kept
 * @param options.existing refuse a SQLite file that does not exist yet (default false: create it, as `run` does)
 * @param options.log logger for the store and registry (default silent)
 */
export function openSessionRegistry(loaded: LoadedConfig, options: { existing?: boolean; log?: Logger } = {}): OpenedSessionRegistry {
  const setting = stateSetting(loaded.config, loaded.dir, loaded.env);
  const spec = parseStateSpec(setting.url, loaded.dir);
  if (spec.kind === 'memory') {
    throw new Error(
      `the state is \`memory\`${setting.defaulted ? ' (the default with one worker)' : ''}: sessions live in the memory of the running gateway process and cannot be reached from another one. ` +
        'Use the admin endpoints (GET /sessions, POST /sessions/revoke on admin.listen, with admin.token), or keep sessions in a shared state: state: sqlite:/var/lib/gatehouse/state.db (one machine) or redis://host:6379/0',
    );
  }
  if (spec.kind === 'sqlite' && options.existing && !existsSync(spec.path)) {
    throw new Error(`no state file at ${spec.path}: no gateway has run with this config's state yet`);
  }
  const log = options.log ?? silentLogger;
  const store = openStateStore(setting.url, { prefix: setting.prefix, callTimeoutMs: setting.timeoutMs, baseDir: loaded.dir, log });
  const registry = createSessionRegistry({ store, log, ttlMs: loaded.config.session.ttl, graceMs: setting.graceMs });
  return {
    registry,
    where: spec.kind === 'sqlite' ? `sqlite ${spec.path}` : redactRedisUrl(spec.url),
    async close() {
      registry.close();
      await store.close();
    },
  };
}
