/**
 * A real OpenID Provider (npm `oidc-provider`) for tests, on 127.0.0.1 and a free port.
 * Sign-in uses the provider's own development interactions (any password; the `login`
 * field picks the account), so tests drive the real HTTP flow with a cookie jar.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

let quieted = false;
/** Drops the provider's development-setup warnings and notices, which say nothing about our tests. */
function quietProviderNotices(): void {
  if (quieted) return;
  quieted = true;
  for (const level of ['info', 'warn'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) return;
      original(...args);
    };
  }
}

export interface TestAccount {
  sub: string;
  email: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface TestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
}

export interface TestProvider {
  /** `http://127.0.0.1:<port>`, also the issuer identifier. */
  issuer: string;
  stop(): Promise<void>;
}

/**
 * Starts an OpenID Provider with the given clients and accounts.
 * Defaults: one client `gatehouse`/`secret`, account `alice` (alice@example.test, groups [dev]).
 * Consent is granted automatically, so the only interaction is the login form.
 */
export async function startOidcProvider(options: {
  clients: TestClient[];
  accounts?: TestAccount[];
  /** Claim name the groups are published under. Default `groups`. */
  groupsClaim?: string;
}): Promise<TestProvider> {
  quietProviderNotices();
  // Untyped: the package ships no type declarations.
  const moduleName = 'oidc-provider';
  const { default: Provider } = await import(moduleName);
  const groupsClaim = options.groupsClaim ?? 'groups';
  const accounts = new Map(
    (options.accounts ?? [{ sub: 'alice', email: 'alice@example.test', name: 'Alice', groups: ['dev'] }]).map((a) => [a.sub, a]),
  );
  const http = await import('node:http');
  const server: Server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      ...c,
      token_endpoint_auth_method: c.client_secret ? 'client_secret_basic' : 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], [groupsClaim]: [groupsClaim] },
    scopes: ['openid', 'email', 'profile', groupsClaim],
    pkce: { required: () => true },
    cookies: { keys: ['test-cookie-key-not-secret'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: account.email,
            email_verified: account.email_verified ?? true,
            name: account.name,
            [groupsClaim]: account.groups ?? [],
          };
        },
      };
    },
    // Consent is not what these tests are about: grant every requested scope and claim.
    async loadExistingGrant(ctx: any) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(ctx.oidc.params.scope ?? 'openid');
      grant.addOIDCClaims(['sub', 'email', 'email_verified', 'name', groupsClaim]);
      await grant.save();
      return grant;
    },
  });
  provider.proxy = false;
  server.on('request', provider.callback());
  return {
    issuer,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

/**
 * Completes the provider's development login form: given the provider's redirect to its
 * interaction page, posts `login` and follows the provider's own redirects until it sends
 * the browser back to a URL outside the provider (the client's redirect_uri), which is returned.
 */
export async function loginAtProvider(
  fetcher: (url: string, init?: RequestInit) => Promise<Response>,
  interactionUrl: string,
  login: string,
): Promise<string> {
  const page = await fetcher(interactionUrl);
  const html = await page.text();
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no login form at ${interactionUrl}: ${html.slice(0, 200)}`);
  let res = await fetcher(new URL(action.replaceAll('&amp;', '&'), interactionUrl).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString(),
  });
  let url = interactionUrl;
  const origin = new URL(interactionUrl).origin;
  for (let hops = 0; hops < 10; hops++) {
    const location = res.headers.get('location');
    if (!location) throw new Error(`provider stopped at ${url} with ${res.status}: ${(await res.text()).slice(0, 300)}`);
    url = new URL(location, url).href;
    if (new URL(url).origin !== origin) return url;
    res = await fetcher(url);
  }
  throw new Error('too many redirects at the provider');
}
