import type { AuthRuntime } from './auth-runtime.ts';

/** Stand-in until sign-in is wired: knows no sessions, so only public routes and exemptions pass. */
export function noAuthRuntime(): AuthRuntime {
  return {
    jwt: {
      sign: () => Promise.reject(new Error('no signing key: configure `authenticate` and `session`')),
      verifyOwn: () => Promise.resolve(null),
      verifier: () => () => Promise.reject(new Error('external issuers are not available yet')),
    },
    session: {
      cookieName: '_gatehouse',
      loginUrl: () => {
        throw new Error('no `authenticate` block is configured');
      },
      serviceToken: () => null,
    },
    cookies: {
      get: (request, name) => {
        for (const part of (request.headers.get('cookie') ?? '').split(';')) {
          const eq = part.indexOf('=');
          if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
        }
        return undefined;
      },
      serialize: (name, value) => `${name}=${value}`,
    },
    evaluatePolicy: () => 'deny',
    signAssertion: () => Promise.reject(new Error('no signing key')),
    handle: () => Promise.resolve(null),
    close() {},
  };
}
