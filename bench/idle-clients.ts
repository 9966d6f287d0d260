/**
 * Holds COUNT idle keep-alive connections open to a server and reports its memory: each
 * connection sends one `GET /` (keep-alive) and reads the whole answer, then stays open and idle.
 * Connections open COUNT_IN_FLIGHT (200) at a time; the opening stops at LIMIT seconds. Then, after
 * the connections have sat idle HOLD seconds, the server's summed VmRSS is read again. Prints one
 * JSON line (KiB): asked, opened, failed, still open when measured, RSS before and held, VmHWM.
 *   bun bench/idle-clients.ts HOST PORT COUNT SID HOLD_SECONDS LIMIT_SECONDS
 * Each connection is a file descriptor here and in the server: the caller raises `ulimit -n`.
 */
import type { Socket } from 'bun';
import { sessionPids, statusKiB } from './proc-memory.ts';

const [host, portArg, countArg, sidArg, holdArg, limitArg] = process.argv.slice(2);
if (!host || !portArg || !countArg || !sidArg || !holdArg || !limitArg) {
  throw new Error('usage: idle-clients.ts HOST PORT COUNT SID HOLD_SECONDS LIMIT_SECONDS');
}
const hostname: string = host;
const port = Number(portArg);
const count = Number(countArg);
const deadline = Date.now() + Number(limitArg) * 1000;
const IN_FLIGHT = 200;
const request = `GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: keep-alive\r\n\r\n`;
const pids = sessionPids(Number(sidArg));
const rssBeforeKiB = statusKiB(pids, 'VmRSS');

interface State {
  received: string;
  done: (ok: boolean) => void;
}
const open = new Set<Socket<State>>();
let opened = 0;
let failed = 0;
let firstError = '';

/** True once the buffered bytes hold a complete response (Content-Length framing). */
function complete(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
  return length ? text.length - end - 4 >= Number(length[1]) : false;
}

function connectOne(): Promise<boolean> {
  return new Promise((resolve) => {
    const state: State = { received: '', done: resolve };
    const timer = setTimeout(() => state.done(false), 10_000);
    state.done = (ok) => {
      clearTimeout(timer);
      state.done = () => {};
      resolve(ok);
    };
    Bun.connect<State>({
      hostname,
      port,
      data: state,
      socket: {
        open(socket) {
          open.add(socket);
          socket.write(request);
        },
        data(socket, chunk) {
          socket.data.received += chunk.toString('latin1');
          if (complete(socket.data.received)) {
            socket.data.received = '';
            socket.data.done(true);
          }
        },
        close(socket) {
          open.delete(socket);
          socket.data.done(false);
        },
        error(socket, error) {
          firstError ||= error.message;
          socket.data.done(false);
        },
      },
    }).catch((error: Error) => {
      firstError ||= error.message;
      state.done(false);
    });
  });
}

let next = 0;
async function lane(): Promise<void> {
  while (next < count && Date.now() < deadline) {
    next++;
    if (await connectOne()) opened++;
    else failed++;
  }
}
const started = Date.now();
await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, lane));
const openSeconds = (Date.now() - started) / 1000;
await Bun.sleep(Number(holdArg) * 1000);
const rssHeldKiB = statusKiB(pids, 'VmRSS');
const stillOpen = open.size;
console.log(
  JSON.stringify({
    asked: count,
    opened,
    failed,
    stillOpen,
    openSeconds,
    rssBeforeKiB,
    rssHeldKiB,
    hwmKiB: statusKiB(pids, 'VmHWM'),
    processes: pids.length,
    firstError: firstError || undefined,
  }),
);
for (const socket of open) socket.end();
process.exit(0);
