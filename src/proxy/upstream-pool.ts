import type { Upstream } from '../plugin-api/index.ts';

/** How long an upstream that refused a connection is skipped. */
const COOL_DOWN_MS = 2000;

interface Member {
  base: URL;
  /** `base.pathname` without a trailing slash, prepended to every proxied path. */
  basePath: string;
  downUntil: number;
}

/**
 * A round-robin set of upstream URLs. A member that refuses connections is skipped for a short
 * cool-down so healthy members take its share.
 */
export class UpstreamPool implements Upstream {
  readonly urls: readonly string[];
  private readonly members: Member[];
  private next = 0;

  constructor(urls: string | readonly string[], readonly timeoutMs: number) {
    this.urls = typeof urls === 'string' ? [urls] : [...urls];
    this.members = this.urls.map((u) => {
      const base = new URL(u);
      return { base, basePath: base.pathname.replace(/\/+$/, ''), downUntil: 0 };
    });
  }

  /** Members in the order to try for one request: healthy ones first, starting round robin. */
  order(now = Date.now()): Member[] {
    const n = this.members.length;
    if (n === 1) return this.members;
    const start = this.next++ % n;
    const healthy: Member[] = [];
    const down: Member[] = [];
    for (let i = 0; i < n; i++) {
      const m = this.members[(start + i) % n]!;
      (m.downUntil > now ? down : healthy).push(m);
    }
    return healthy.concat(down);
  }

  markDown(member: Member): void {
    member.downUntil = Date.now() + COOL_DOWN_MS;
  }
}

export type PoolMember = ReturnType<UpstreamPool['order']>[number];
