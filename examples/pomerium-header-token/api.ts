/** This example's API: the seed's `{"message":"HELLO WORLD"}` server on its own origin. */
import { helloApi } from '../shared/kit.ts';

export default helloApi();
