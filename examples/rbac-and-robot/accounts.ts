/**
 * Who uses this example: two people (the shared example user, in `eng`, and a second one in
 * `sales`) and the CI robot's service token. gatehouse.yaml holds the same values (hashes and
 * the token's defaults); tests and scripts import them from here.
 */
import { USER } from '../shared/run.ts';

/** In group `eng`: the whole API, /admin included. */
export const ENG_USER = { ...USER, groups: ['eng'] };
/** In group `sales`: the API, but not /admin. */
export const SALES_USER = { email: 'sales@example.test', password: 'example-password', groups: ['sales'] };
/** The CI robot's service token (`service_tokens` entry `ci`); override through the environment. */
export const ROBOT = {
  name: 'ci',
  id: process.env.CI_CLIENT_ID ?? 'ci-robot',
  secret: process.env.CI_CLIENT_SECRET ?? 'example-ci-secret-change-me-0123456789',
};
