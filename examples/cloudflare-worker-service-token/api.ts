/** This example's API: the protected API on its own domain, reached only with the service token. */
import { helloApi } from '../shared/kit.ts';

export default helloApi();
