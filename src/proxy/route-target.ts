import type { Upstream, UpstreamTarget } from '../plugin-api/index.ts';

/**
 * A route's own upstream target, as a request starts. Its `headers` (the route's
 * `set_request_headers`) become a `Headers` only when a plugin reads or replaces them: most
 * requests never do, and the proxy then sets the route's pairs straight from the config.
 */
export class RouteTarget implements UpstreamTarget {
  private made: Headers | undefined;
  private touched = false;

  constructor(
    public upstream: Upstream,
    public path: string,
    private readonly preset: readonly (readonly [string, string])[],
    public passIdentityHeaders: boolean,
  ) {}

  get headers(): Headers {
    if (!this.touched) {
      this.touched = true;
      this.made = new Headers(this.preset as [string, string][]);
    }
    return this.made!;
  }

  set headers(headers: Headers) {
    this.touched = true;
    this.made = headers;
  }

  /** The extra headers to send, without making a `Headers` nobody asked for (as set, once touched). */
  entries(): Iterable<readonly [string, string]> {
    return this.touched ? this.made! : this.preset;
  }
}
