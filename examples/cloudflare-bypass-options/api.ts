/** This example's API: the origin server, which enforces CORS itself (credentials allowed). */
import { helloApi } from '../shared/kit.ts';

export default helloApi({ cors: { credentials: true, methods: ['GET', 'POST', 'PUT'], headers: ['Content-Type'] } });
