/**
 * One connection to Redis that mends itself: a fresh client is made with backoff whenever the
 * connection is lost or stops answering, and calls made while it is down fail at once.
 */
import { RedisClient, type TLSOptions } from 'bun';
import type { Logger } from '../plugin-api/index.ts';
import { StateUnavailableError } from './store.ts';
import { withTimeout } from './shared.ts';

/** `url` with its password replaced, for logs and errors. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparseable Redis URL)';
  }
}

type LinkState = 'idle' | 'connecting' | 'up' | 'down' | 'closed';

/** One Redis connection, re-made with backoff whenever it is lost. */
export class Link {
  private client: RedisClient | undefined;
  private state: LinkState = 'idle';
  private failures = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private settled: (() => void)[] = [];
  private checking = false;

  constructor(
    private readonly url: string,
    private readonly role: 'commands' | 'subscriber',
    private readonly options: { connectTimeoutMs: number; callTimeoutMs: number; minDelayMs: number; maxDelayMs: number; tls?: TLSOptions },
    private readonly log: Logger,
    /** Runs when a connection is (re)established, before any call can use it. */
    private readonly onUp: (client: RedisClient) => void = () => {},
  ) {}

  get isUp(): boolean {
    return this.state === 'up';
  }

  /** Read through a getter: the state changes while a connection attempt is awaited. */
  private get closed(): boolean {
    return this.state === 'closed';
  }

  /** Starts connecting (once). */
  start(): void {
    if (this.state === 'idle') void this.connect();
  }

  /**
   * The connected client. Only the very first connection attempt is waited for (until
   * `deadline`); while the connection is down, this rejects at once.
   */
  async acquire(deadline: number): Promise<RedisClient> {
    this.start();
    if (this.state === 'connecting') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.settled.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.state === 'up' && this.client) return this.client;
    if (this.state === 'closed') throw new StateUnavailableError('redis', 'the store is closed');
    if (this.state === 'connecting') throw new StateUnavailableError('redis', `no connection within ${this.options.callTimeoutMs} ms`);
    throw new StateUnavailableError('redis', 'not connected (re-connecting in the background)');
  }

  /** A call on `client` timed out: PING it, and drop the connection if that times out too. */
  suspect(client: RedisClient): void {
    if (this.checking || client !== this.client || this.state !== 'up') return;
    this.checking = true;
    withTimeout(client.send('PING', []), this.options.callTimeoutMs, () => new Error('PING timed out'))
      .catch((error: unknown) => {
        if (client === this.client) this.drop(`no answer: ${(error as Error).message}`);
      })
      .finally(() => {
        this.checking = false;
      });
  }

  /** Closes the current connection and re-connects with backoff. */
  drop(reason: string): void {
    const client = this.client;
    if (!client || this.state === 'closed') return;
    this.client = undefined;
    client.onclose = null;
    client.close();
    this.down(reason);
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.onclose = null;
      client.close();
    }
    this.wake();
  }

  private wake(): void {
    const waiting = this.settled;
    this.settled = [];
    for (const resolve of waiting) resolve();
  }

  private async connect(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'idle') this.state = 'connecting';
    let client: RedisClient | undefined;
    try {
      const fresh = new RedisClient(this.url, {
        autoReconnect: false, // reconnection is ours: a fresh client each time, subscriptions re-made
        enableOfflineQueue: false, // while down, fail at once instead of queueing
        connectionTimeout: this.options.connectTimeoutMs,
        ...(this.options.tls ? { tls: this.options.tls } : {}),
      });
      client = fresh;
      fresh.onclose = (error) => this.lost(fresh, error);
      await withTimeout(fresh.connect(), this.options.connectTimeoutMs + 250, () => new Error(`no connection within ${this.options.connectTimeoutMs} ms`));
    } catch (error) {
      if (client) {
        client.onclose = null;
        client.close();
      }
      if (this.closed) return;
      const first = this.failures === 0;
      this.failures++;
      this.state = 'down';
      if (first) {
        this.log.warn('state store (redis) cannot connect; retrying in the background', {
          role: this.role,
          url: redactRedisUrl(this.url),
          error: `${(error as Error).message} (check the address, TLS and password)`,
        });
      }
      this.wake();
      this.schedule();
      return;
    }
    if (this.closed) {
      client.onclose = null;
      client.close();
      return;
    }
    const recovered = this.failures > 0;
    this.failures = 0;
    this.client = client;
    this.state = 'up';
    if (recovered) this.log.info('state store (redis) connected again', { role: this.role, url: redactRedisUrl(this.url) });
    try {
      this.onUp(client);
    } catch (error) {
      this.log.warn('state store (redis) could not restore the connection state', { role: this.role, error: (error as Error).message });
    }
    this.wake();
  }

  private lost(client: RedisClient, error: Error | undefined): void {
    if (client !== this.client || this.state === 'closed') return;
    this.client = undefined;
    this.down(error?.message ?? 'connection closed');
  }

  private down(reason: string): void {
    this.state = 'down';
    this.failures = Math.max(this.failures, 1);
    this.log.warn('state store (redis) connection lost; re-connecting in the background', { role: this.role, url: redactRedisUrl(this.url), error: reason });
    this.schedule(this.options.minDelayMs);
  }

  private schedule(delay?: number): void {
    clearTimeout(this.retry);
    const backoff = delay ?? Math.min(this.options.maxDelayMs, this.options.minDelayMs * 2 ** Math.min(this.failures - 1, 20));
    const jittered = Math.round(backoff * (0.8 + Math.random() * 0.4));
    this.retry = setTimeout(() => void this.connect(), jittered);
    this.retry.unref?.();
  }
}
