/** This example's API: knows nothing about CORS; Gatehouse answers the preflights and adds the headers. */
import { helloApi } from '../shared/kit.ts';

export default helloApi();
