/**
 * The demo's embedded config. Every host is a subdomain of `demo.localhost` on one port:
 * browsers resolve `*.localhost` to loopback, and `demo.localhost` (unlike bare `localhost`,
 * which Chromium refuses as a cookie Domain) can carry one shared trust cookie.
 */
export const DEMO_EMAIL = 'demo@example.test';
export const DEMO_HEADER = 'X-Demo-Client';

export interface DemoHosts {
  app: string;
  api: string;
  auth: string;
}

/** The three origins the demo serves on `port`. */
export function demoHosts(port: number): DemoHosts {
  const origin = (name: string) => `http://${name}.demo.localhost:${port}`;
  return { app: origin('app'), api: origin('api'), auth: origin('auth') };
}

export interface DemoConfigInput {
  port: number;
  appUpstream: string;
  apiUpstream: string;
  passwordHash: string;
  /** ES256 PKCS#8 PEM for the session. */
  signingKey: string;
}

/**
 * The demo's gatehouse.yaml text: the static provider with the demo user, a cookie shared by
 * every `*.demo.localhost` host, the app route with the API mounted under `/api`, and the API
 * route with CORS, an origin exemption for `GET /status`, header tokens and the trust cookie.
 */
export function demoConfig(input: DemoConfigInput): string {
  const { app, api, auth } = demoHosts(input.port);
  return `# Written by "gatehouse demo". Copy it as a start for your own config.
listen: "127.0.0.1:${input.port}"
watch: false
log: { level: warn, access_log: false }

authenticate:
  url: ${auth}
  provider: static
  static:
    users:
      - email: ${DEMO_EMAIL}
        name: Demo User
        password_hash: "${input.passwordHash}"

session:
  cookie_domain: .demo.localhost   # one trust cookie for app., api. and auth.
  cookie_secure: false             # plain http on loopback
  signing_key: |
${input.signingKey.trim().split('\n').map((l) => `    ${l}`).join('\n')}

routes:
  # The app. /api/* goes to the API on the same origin: no CORS at all.
  - from: ${app}
    to: ${input.appUpstream}
    policy: { allow_any_authenticated_user: true }
    pass_identity_headers: true
    plugins:
      - use: path-prefix
        prefix: /api
        to: ${input.apiUpstream}
        pass_identity_headers: true
      - use: trust-cookie

  # The API on its own origin, called cross-origin by the app's page.
  - from: ${api}
    to: ${input.apiUpstream}
    policy: { allow_any_authenticated_user: true }
    pass_identity_headers: true
    plugins:
      - use: preflight
        allow_origins: [${app}]
        allow_methods: [GET, POST, PUT]
        allow_headers: [Content-Type, X-Gatehouse-Authorization, ${DEMO_HEADER}]
        allow_credentials: true
      - use: origin-exemption
        rules:
          - name: demo-status
            origins: [${app}]
            methods: [GET]
            paths: [/status]
            require_headers: [${DEMO_HEADER}]
      - use: header-jwt
      - use: trust-cookie
`;
}
