import { parseArgs } from 'node:util';
import type { SessionRecord } from '../auth/session/session-registry.ts';
import { ConfigError, formatProblem } from '../config/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import { openSessionRegistry, revokeSessions, sessionJson, type OpenedSessionRegistry, type RevokeTarget } from '../server/admin-sessions.ts';
import { isStateUnavailable } from '../state/store.ts';
import { configPath } from './config-path.ts';

export const sessionsHelp = `Usage: gatehouse sessions list [--user EMAIL] [--json] [-c FILE]
       gatehouse sessions revoke (--user EMAIL | --session ID | --all) [-c FILE]

Lists or ends sign-in sessions, in the state store of a config (its "state", or the default
"run" uses). Every running Gatehouse on that state refuses a revoked session within about a
second. Revoking a user also refuses the tokens /.gatehouse/token issued to them.

A "memory" state lives inside the running gateway and cannot be reached from here: use the
admin endpoints (GET /sessions, POST /sessions/revoke with admin.token), or state: sqlite:PATH
or redis://... "last seen" is written back at most once a minute.

Exit status: 0 done, 1 the config or the state store failed, 2 usage.

Options:
  --user EMAIL        list: only this user's sessions; revoke: all of them (email or subject)
  --session ID        revoke: this session (the SESSION column of "list")
  --all               revoke: every session
  --json              list: {"sessions": [...]} instead of a table
  -c, --config FILE   config file (default: $GATEHOUSE_CONFIG or ./gatehouse.yaml)
  -h, --help          this help`;

const LISTED = 1000;
const common = { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } as const;
const listOptions = { ...common, user: { type: 'string' }, json: { type: 'boolean' } } as const;
const revokeOptions = { ...common, user: { type: 'string' }, session: { type: 'string' }, all: { type: 'boolean' } } as const;

/** `gatehouse sessions list|revoke`: 0 done, 1 config or state failure, 2 usage. */
export async function sessionsCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h' || sub === 'help') return console.log(sessionsHelp), 0;
  if (sub !== 'list' && sub !== 'revoke') return usage(sub ? `unknown subcommand "${sub}"` : 'say list or revoke');
  let parsed;
  try {
    parsed = parseArgs({ args: withValues(rest), options: sub === 'list' ? listOptions : revokeOptions });
  } catch (error) {
    return usage((error as Error).message);
  }
  const values = parsed.values as { config?: string; help?: boolean; user?: string; json?: boolean; session?: string; all?: boolean };
  if (values.help) return console.log(sessionsHelp), 0;
  let target: RevokeTarget | undefined;
  if (sub === 'revoke') {
    const given = [values.user !== undefined, values.session !== undefined, values.all === true].filter(Boolean).length;
    if (given !== 1) return usage('revoke takes exactly one of --user EMAIL, --session ID or --all');
    if (values.user?.trim() === '' || values.session?.trim() === '') return usage('--user and --session need a value');
    target = values.all ? { all: true } : values.user !== undefined ? { user: values.user.trim() } : { session: values.session!.trim() };
  }

  let opened: OpenedSessionRegistry;
  try {
    opened = openSessionRegistry(loadConfigFile(configPath(values.config)), { existing: true });
  } catch (error) {
    if (error instanceof ConfigError) for (const p of error.problems) console.error(`error: ${formatProblem(p)}`);
    else console.error(`gatehouse sessions: ${(error as Error).message}`);
    return 1;
  }
  try {
    if (target) console.log(revokedMessage(target, await revokeSessions(opened.registry, target)));
    else {
      const sessions = await opened.registry.list({ user: values.user?.trim() || undefined, limit: LISTED });
      if (sessions.length === LISTED) console.error(`gatehouse sessions: showing the newest ${LISTED} of those found; narrow with --user`);
      console.log(values.json ? JSON.stringify({ sessions: sessions.map(sessionJson) }, null, 2) : table(sessions));
    }
    return 0;
  } catch (error) {
    if (!isStateUnavailable(error)) throw error;
    console.error(`gatehouse sessions: cannot reach the state store (${opened.where}): ${error.message}`);
    return 1;
  } finally {
    await opened.close();
  }
}

const FLAGS = new Set(['--user', '--session', '--all', '--json', '-c', '--config', '-h', '--help']);

/** Session ids are base64url, so one may start with `-`: `--session -x…` is taken as `--session=-x…`. */
function withValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if ((args[i] === '--session' || args[i] === '--user') && next?.startsWith('-') && !FLAGS.has(next)) out.push(`${args[i]}=${args[++i]}`);
    else out.push(args[i]!);
  }
  return out;
}

function usage(problem: string): number {
  console.error(`gatehouse sessions: ${problem}\n\n${sessionsHelp}`);
  return 2;
}

function revokedMessage(target: RevokeTarget, count: number): string {
  const sessions = `${count} session${count === 1 ? '' : 's'}`;
  const after = 'Running gateways refuse them within about a second.';
  if ('all' in target) return `revoked every session (${sessions} live). ${after}`;
  if ('user' in target) return `revoked ${sessions} of ${target.user}, and the tokens issued to them. ${after}`;
  if (count === 0) return `no live session has id ${target.session}; its revocation is recorded anyway.`;
  return `revoked session ${target.session}. ${after}`;
}

/** An IdP's claims reach the terminal here: control characters (escape sequences) are shown as `?`. */
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
const time = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Aligned columns, or a line saying there are none. */
export function table(sessions: SessionRecord[]): string {
  if (sessions.length === 0) return 'no sessions';
  const rows = [
    ['SESSION', 'USER', 'METHOD', 'CREATED', 'LAST SEEN', 'EXPIRES'],
    ...sessions.map((s) => [printable(s.sid), printable(s.email ?? s.sub), printable(s.method), time(s.created), time(s.lastSeen), time(s.exp * 1000)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  return `${lines.join('\n')}\n${sessions.length} session${sessions.length === 1 ? '' : 's'}`;
}
