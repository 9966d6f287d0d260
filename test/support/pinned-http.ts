/**
 * One persistent HTTP/1.1 connection to 127.0.0.1:PORT, for tests that must know WHICH process
 * answers: with `workers: N` the kernel hands each new connection to one worker (SO_REUSEPORT),
 * and every request sent over the same keep-alive connection then lands on that worker. `fetch`
 * pools and re-opens connections as it likes, so it cannot pin a request to a worker.
 *
 * Requests are sent one at a time; a response is read by its Content-Length or chunked framing.
 * Every wait is bounded.
 */
import type { Socket } from 'bun';
import { Browser, type CookieJar } from './browser-jar.ts';

const HEAD_END = Buffer.from('\r\n\r\n');

export class PinnedConnection {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private closed = false;
  private socket!: Socket<undefined>;
  private busy = false;

  private constructor(readonly port: number) {}

  /** Opens a connection to 127.0.0.1:`port`. */
  static async open(port: number): Promise<PinnedConnection> {
    const conn = new PinnedConnection(port);
    conn.socket = await Bun.connect<undefined>({
      hostname: '127.0.0.1',
      port,
      socket: {
        data: (_s, data) => {
          conn.buffer = Buffer.concat([conn.buffer, Buffer.from(data)]);
          conn.notify();
        },
        close: () => conn.onClosed(),
        end: () => conn.onClosed(),
        error: () => conn.onClosed(),
      },
    });
    return conn;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private onClosed(): void {
    this.closed = true;
    this.notify();
  }

  close(): void {
    if (!this.closed) this.socket.end();
    this.closed = true;
  }

  /**
   * Sends one request for `url` (its host goes in the Host header; the path and query are the
   * target) and reads the response. No redirects are followed, no cookies are added.
   */
  async fetch(url: string, init: { method?: string; headers?: HeadersInit; body?: string } = {}, timeoutMs = 15_000): Promise<Response> {
    if (this.busy) throw new Error('PinnedConnection: one request at a time');
    if (this.closed) throw new Error(`PinnedConnection to port ${this.port} is closed`);
    this.busy = true;
    try {
      const target = new URL(url);
      const headers = new Headers(init.headers);
      headers.set('host', target.host);
      headers.delete('connection');
      const body = init.body ?? '';
      if (body !== '' || (init.method ?? 'GET') === 'POST') headers.set('content-length', String(Buffer.byteLength(body)));
      let head = `${init.method ?? 'GET'} ${target.pathname}${target.search} HTTP/1.1\r\n`;
      headers.forEach((value, name) => {
        head += `${name}: ${value}\r\n`;
      });
      this.buffer = Buffer.alloc(0);
      this.socket.write(`${head}\r\n${body}`);
      this.socket.flush();
      return await this.readResponse(Date.now() + timeoutMs, init.method === 'HEAD');
    } finally {
      this.busy = false;
    }
  }

  private async waitForData(deadline: number): Promise<void> {
    if (this.closed) return;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`PinnedConnection to port ${this.port}: no complete response in time; got ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async readResponse(deadline: number, isHead: boolean): Promise<Response> {
    for (let guard = 0; guard < 100_000; guard++) {
      const parsed = this.tryParse(isHead);
      if (parsed) return parsed;
      if (this.closed) {
        const last = this.tryParse(isHead, true);
        if (last) return last;
        throw new Error(`PinnedConnection to port ${this.port} closed before a complete response: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`);
      }
      await this.waitForData(deadline);
      if (Date.now() > deadline && !this.tryParse(isHead)) throw new Error(`PinnedConnection to port ${this.port}: response timed out`);
    }
    throw new Error('PinnedConnection: too many reads');
  }

  /** A complete response from the buffer (consumed), or undefined when more bytes are needed. */
  private tryParse(isHead: boolean, atClose = false): Response | undefined {
    const end = this.buffer.indexOf(HEAD_END);
    if (end === -1) return undefined;
    const [statusLine = '', ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    const headers = new Headers();
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    const rest = this.buffer.subarray(end + 4);
    let body: Buffer;
    let used: number;
    const length = headers.get('content-length');
    if (isHead || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = Buffer.alloc(0);
      used = 0;
    } else if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) {
      const chunks: Buffer[] = [];
      let at = 0;
      for (;;) {
        const eol = rest.indexOf('\r\n', at);
        if (eol === -1) return undefined;
        const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
        if (Number.isNaN(size)) throw new Error('PinnedConnection: bad chunk size');
        if (size === 0) {
          const trailerEnd = rest.indexOf(HEAD_END, eol);
          const simpleEnd = rest.subarray(eol + 2, eol + 4).toString('latin1') === '\r\n';
          if (simpleEnd) used = eol + 4;
          else if (trailerEnd !== -1) used = trailerEnd + 4;
          else return undefined;
          break;
        }
        if (rest.length < eol + 2 + size + 2) return undefined;
        chunks.push(rest.subarray(eol + 2, eol + 2 + size));
        at = eol + 2 + size + 2;
      }
      body = Buffer.concat(chunks);
      headers.delete('transfer-encoding');
    } else if (length !== null) {
      const n = Number(length);
      if (rest.length < n) return undefined;
      body = rest.subarray(0, n);
      used = n;
    } else {
      // No framing: the body runs to the close of the connection.
      if (!atClose) return undefined;
      body = rest;
      used = rest.length;
    }
    this.buffer = Buffer.from(rest.subarray(used));
    const empty = body.length === 0 && (status === 204 || status === 304 || status < 200);
    return new Response(empty ? null : new Uint8Array(body), { status, headers });
  }
}

/**
 * The cookie-jar browser of browser-jar.ts, sending every request over one pinned connection (so
 * over one worker process). Several of them may share one jar (one user, several connections).
 */
export class PinnedBrowser extends Browser {
  constructor(
    readonly conn: PinnedConnection,
    jar?: CookieJar,
  ) {
    super();
    if (jar) (this as { jar: CookieJar }).jar = jar;
  }

  override async fetch(url: string, init: RequestInit & { navigate?: boolean } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.jar.header(url);
    if (cookie) headers.set('cookie', cookie);
    if (init.navigate !== false && !headers.has('sec-fetch-mode')) {
      headers.set('sec-fetch-mode', 'navigate');
      headers.set('accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    }
    const response = await this.conn.fetch(url, { method: init.method, headers, body: typeof init.body === 'string' ? init.body : undefined });
    this.jar.store(url, response);
    this.history.push({ method: init.method ?? 'GET', url, status: response.status, location: response.headers.get('location') ?? undefined });
    return response;
  }
}
