/** This example's API: owns CORS (no credentials) and answers only requests with a valid X-Secret-Auth header. */
import { helloApi } from '../shared/kit.ts';

export default helloApi({
  cors: { methods: ['GET', 'POST'], headers: ['X-Secret-Auth'] },
  requireHeader: { name: 'X-Secret-Auth', value: 'example-secret-auth' },
});
