/**
 * Server-side sessions. The trust cookie stays a signed JWT (verifying it stays a cached, local
 * check) and names a session id; the session's record and every revocation live in the shared
 * state, so signing out ends a session on every host and every instance.
 *
 * No request waits on the state: revocations reach each process through the state's change feed
 * (within a second) and sit in a local table, reloaded in full every few seconds in case a message
 * was missed. Use is written back at most once a minute per session and process; the record is
 * read only when this process's own view says the session may have gone idle.
 */
import type { Logger } from '../../plugin-api/index.ts';
import { isStateUnavailable, type StateStore } from '../../state/store.ts';
import { makeRoom } from '../../util/make-room.ts';

export interface SessionRecord {
  sid: string;
  sub: string;
  email?: string;
  name?: string;
  /** How the user signed in: `static`, `oidc`. */
  method: string;
  /** ms since the epoch. */
  created: number;
  lastSeen: number;
  /** Expiry, seconds since the epoch (the trust cookie's `exp`). */
  exp: number;
}

/** What a verified token says of its session. */
export interface SessionClaimsSeen {
  sid?: string;
  sub: string;
  /** When the session began (the token's `sat`, else its `iat`), seconds since the epoch. */
  began?: number;
}

export type SessionVerdict = 'ok' | 'revoked' | 'idle';

export interface SessionRegistry {
  /** Records a session that has just started. */
  open(record: Omit<SessionRecord, 'created' | 'lastSeen'>): Promise<void>;
  /** Whether a verified token's session may still be used. Usually answers without the state. */
  check(claims: SessionClaimsSeen): Promise<SessionVerdict>;
  /** Ends one session everywhere. */
  revokeSession(sid: string): Promise<void>;
  /** Ends every session of a user (by `sub` or email) everywhere; returns how many were listed. */
  revokeUser(user: string): Promise<number>;
  /** Ends every session everywhere. */
  revokeAll(): Promise<void>;
  /** Live sessions, newest first, optionally of one user (`sub` or email). */
  list(options?: { user?: string; limit?: number }): Promise<SessionRecord[]>;
  /** Whether the state has failed for longer than the grace (requests needing a session then fail closed). */
  failedClosed(): boolean;
  /** Whether the state answered the last health check. */
  healthy(): boolean;
  close(): void;
}

export interface SessionRegistryOptions {
  store: StateStore;
  log: Logger;
  /** The longest a session lives (the session `ttl`), in ms: how long revocations are kept. */
  ttlMs: number;
  /** A session unused this long is refused; 0 (default) turns idle expiry off. */
  idleTimeoutMs?: number;
  /** How long sessions keep working while the state is down, in ms. Default 60 s. */
  graceMs?: number;
  /** How often revocations are reloaded in full, in ms. Default 5 s. */
  reloadMs?: number;
  /** How often the state's health is checked, in ms. Default 1 s. */
  healthMs?: number;
  now?: () => number;
}

const CHANNEL = 'revocations';
const REVOKED_SID = 'revoked:sid:';
const REVOKED_USER = 'revoked:user:';
const REVOKED_ALL = 'revoked:all';
const SESSION = 'session:';
const BY_USER = 'user-session:';
const MAX_LISTED = 10_000;
/** Most revoked session ids and seen sessions a process keeps in memory. */
const MAX_LOCAL = 200_000;
const SID_FORMAT = /^[\w-]{1,64}$/;

/** `map.set`, forgetting the oldest entry first when the map is full. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (!map.has(key)) makeRoom(map, MAX_LOCAL);
  map.set(key, value);
}

/** Creates the registry and starts its background reload and health check (timers are unref'd). */
export function createSessionRegistry(options: SessionRegistryOptions): SessionRegistry {
  const { store, log, ttlMs } = options;
  const idleMs = options.idleTimeoutMs ?? 0;
  const graceMs = options.graceMs ?? 60_000;
  const now = options.now ?? Date.now;
  // The local view: filled from the feed and by periodic reloads.
  const revokedSids = new Map<string, number>();
  const revokedUsers = new Map<string, number>();
  let revokedAllAt = 0;
  const lastSeen = new Map<string, number>();
  const lastWritten = new Map<string, number>();
  // Sessions this process has asked the state about once: a revocation older than the last
  // full reload (or than this process) is found by that first point lookup.
  const confirmed = new Map<string, number>();
  let downSince: number | undefined;
  let up = true;

  // Whoever can publish on the store could otherwise lock everyone out with a time far in the
  // future, or fill memory with huge ids: messages that are not well-formed are dropped.
  const apply = (message: string) => {
    if (message.length > 1100) return;
    const [kind, value = '', atText = ''] = message.split('\n');
    const at = Number(atText);
    const plausible = Number.isFinite(at) && at > 0 && at <= now() + 60_000;
    if (kind === 'sid' && SID_FORMAT.test(value)) remember(revokedSids, value, now() + ttlMs);
    else if (kind === 'user' && value.length > 0 && value.length <= 1024 && plausible) revokedUsers.set(value, Math.max(revokedUsers.get(value) ?? 0, at));
    else if (kind === 'all' && plausible) revokedAllAt = Math.max(revokedAllAt, at);
  };
  const unsubscribe = store.subscribe(CHANNEL, apply);

  /** Confirms with the state, once per session per process, that neither it nor its user was revoked. */
  async function confirm(claims: SessionClaimsSeen): Promise<void> {
    if (!claims.sid || confirmed.has(claims.sid)) return;
    const [sid, user] = await Promise.all([store.get(REVOKED_SID + claims.sid), store.get(REVOKED_USER + claims.sub)]);
    if (sid !== undefined) remember(revokedSids, claims.sid, now() + ttlMs);
    if (user !== undefined) apply(`user\n${claims.sub}\n${user}`);
    remember(confirmed, claims.sid, now());
  }

  async function reload(): Promise<void> {
    try {
      const [sids, users, all] = await Promise.all([store.list(REVOKED_SID, MAX_LISTED), store.list(REVOKED_USER, MAX_LISTED), store.get(REVOKED_ALL)]);
      for (const { key } of sids) remember(revokedSids, key.slice(REVOKED_SID.length), now() + ttlMs);
      for (const { key, value } of users) apply(`user\n${key.slice(REVOKED_USER.length)}\n${value}`);
      if (all) apply(`all\n\n${all}`);
      for (const [sid, until] of revokedSids) if (until < now()) revokedSids.delete(sid);
    } catch (error) {
      if (!isStateUnavailable(error)) log.error('revocation reload failed', { error: (error as Error).message });
    }
  }
  async function health(): Promise<void> {
    up = await store.ping();
    if (up) downSince = undefined;
    else downSince ??= now();
  }
  // A new config's registry must not serve before it knows today's revocations.
  let loaded = false;
  const initialLoad = reload().finally(() => (loaded = true));
  const reloadTimer = setInterval(() => void reload(), options.reloadMs ?? 5000);
  const healthTimer = setInterval(() => void health(), options.healthMs ?? 1000);
  reloadTimer.unref?.();
  healthTimer.unref?.();

  const revokedAt = (claims: SessionClaimsSeen): boolean => {
    const issuedMs = (claims.began ?? 0) * 1000;
    if (revokedAllAt && issuedMs <= revokedAllAt) return true;
    const userAt = revokedUsers.get(claims.sub);
    if (userAt && issuedMs <= userAt) return true;
    return claims.sid !== undefined && revokedSids.has(claims.sid);
  };

  async function readRecord(sid: string): Promise<SessionRecord | undefined> {
    const text = await store.get(SESSION + sid);
    return text ? (JSON.parse(text) as SessionRecord) : undefined;
  }

  /** Writes this process's latest use of `sid` back, at most once a minute (or a quarter of the idle timeout). */
  function touch(sid: string, at: number): void {
    const every = idleMs > 0 ? Math.min(60_000, idleMs / 4) : 60_000;
    if (at - (lastWritten.get(sid) ?? 0) < every) return;
    lastWritten.set(sid, at);
    void (async () => {
      const record = await readRecord(sid);
      if (record && record.lastSeen < at) {
        const ttl = record.exp * 1000 - at;
        if (ttl > 0) await store.set(SESSION + sid, JSON.stringify({ ...record, lastSeen: at }), ttl);
      }
    })().catch(() => lastWritten.delete(sid));
  }

  async function idle(sid: string, at: number): Promise<boolean> {
    if (idleMs <= 0) return false;
    const seen = lastSeen.get(sid);
    if (seen !== undefined && at - seen < idleMs) return false;
    // This process has not seen the session lately; another may have.
    try {
      const record = await readRecord(sid);
      if (!record) return false;
      if (at - record.lastSeen >= idleMs) return true;
      lastSeen.set(sid, record.lastSeen);
      return false;
    } catch (error) {
      if (isStateUnavailable(error)) return false; // the grace decides; see failedClosed
      throw error;
    }
  }

  async function publish(kind: string, value: string, at: number): Promise<void> {
    apply(`${kind}\n${value}\n${at}`);
    await store.publish(CHANNEL, `${kind}\n${value}\n${at}`);
  }

  async function revokeSession(sid: string): Promise<void> {
    await store.set(REVOKED_SID + sid, '1', ttlMs);
    await store.delete(SESSION + sid);
    await publish('sid', sid, now());
  }

  async function list(options: { user?: string; limit?: number } = {}): Promise<SessionRecord[]> {
    const user = options.user?.toLowerCase();
    let entries: { value: string }[];
    if (user) {
      const sids = await store.list(`${BY_USER}${user}\n`, MAX_LISTED);
      const texts = await Promise.all(sids.map((e) => store.get(SESSION + e.value)));
      entries = texts.filter((t): t is string => t !== undefined).map((value) => ({ value }));
    } else {
      entries = await store.list(SESSION, options.limit ?? 1000);
    }
    const records = entries
      .map((e) => JSON.parse(e.value) as SessionRecord)
      .filter((r) => !user || r.sub.toLowerCase() === user || r.email?.toLowerCase() === user)
      // A record outlives a revocation that did not name it (`revokeAll`, a user's): not live.
      .filter((r) => !revokedAt({ sid: r.sid, sub: r.sub, began: Math.floor(r.created / 1000) }))
      .sort((a, b) => b.created - a.created);
    return records.slice(0, options.limit ?? 1000);
  }

  return {
    revokeSession,
    list,
    async open(record) {
      const at = now();
      const full: SessionRecord = { ...record, created: at, lastSeen: at };
      lastSeen.set(record.sid, at);
      lastWritten.set(record.sid, at);
      const ttl = record.exp * 1000 - at;
      if (ttl <= 0) return;
      await store.set(SESSION + record.sid, JSON.stringify(full), ttl);
      // An index by user, so listing or revoking one user's sessions never scans everyone's.
      for (const user of new Set([record.sub, record.email].filter((u): u is string => !!u).map((u) => u.toLowerCase()))) {
        await store.set(`${BY_USER}${user}\n${record.sid}`, record.sid, ttl);
      }
    },

    async check(claims) {
      if (!loaded) await initialLoad;
      if (revokedAt(claims)) return 'revoked';
      if (!claims.sid) return 'ok';
      try {
        await confirm(claims);
      } catch (error) {
        if (!isStateUnavailable(error)) throw error; // the grace decides; see failedClosed
      }
      if (revokedAt(claims)) return 'revoked';
      const at = now();
      if (await idle(claims.sid, at)) {
        await revokeSession(claims.sid).catch(() => {});
        return 'idle';
      }
      remember(lastSeen, claims.sid, at);
      makeRoom(lastWritten, MAX_LOCAL + 1);
      touch(claims.sid, at);
      return 'ok';
    },

    async revokeUser(user) {
      const sessions = await list({ user, limit: MAX_LISTED });
      const at = now();
      const subs = new Set(sessions.map((s) => s.sub));
      if (!user.includes('@') || subs.size === 0) subs.add(user);
      for (const sub of subs) {
        await store.set(REVOKED_USER + sub, String(at), ttlMs);
        await publish('user', sub, at);
      }
      for (const s of sessions) await revokeSession(s.sid);
      return sessions.length;
    },

    async revokeAll() {
      const at = now();
      await store.set(REVOKED_ALL, String(at), ttlMs);
      await publish('all', '', at);
    },

    failedClosed: () => downSince !== undefined && now() - downSince > graceMs,
    healthy: () => up,

    close() {
      clearInterval(reloadTimer);
      clearInterval(healthTimer);
      unsubscribe();
    },
  };
}
