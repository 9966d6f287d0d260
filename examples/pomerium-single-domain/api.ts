/** This example's API: the seed's `{"message":"HELLO WORLD"}` server, mounted under /api of the app's origin. */
import { helloApi } from '../shared/kit.ts';

export default helloApi();
