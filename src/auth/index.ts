/**
 * What the engine and the CLI use of sign-in, sessions and keys.
 */
export { createAuthRuntime, type AuthRuntime, type AuthRuntimeOptions } from './runtime.ts';
export { validateAuthConfig, type AuthConfigProblem } from './validate.ts';
export { generateSigningKeyPem, ephemeralKey, EPHEMERAL_KEY_ENV } from './tokens/keys.ts';
export { hashPassword } from './providers/password.ts';
export { evaluatePolicy } from '../policy/policy.ts';
export { ASSERTION_HEADER } from './tokens/assertion.ts';
export { Paths as AuthPaths } from './deps.ts';
