import type { CookieServices, Identity, JwtServices, Policy, SessionServices } from '../plugin-api/index.ts';

/** What the engine needs from sign-in and sessions (implemented in `src/auth/`). */
export interface AuthRuntime {
  jwt: JwtServices;
  session: SessionServices;
  cookies: CookieServices;
  evaluatePolicy(policy: Policy, identity: Identity): 'allow' | 'deny';
  signAssertion(identity: Identity, audienceOrigin: string): Promise<string>;
  /** Answers Gatehouse's own endpoints (`/.gatehouse/*`, JWKS, the sign-in host); null otherwise. */
  handle(request: Request, info: { requestId: string; clientIp: string; url: URL }): Promise<Response | null>;
  close(): void | Promise<void>;
}
