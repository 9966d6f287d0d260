/** This example's API: owns CORS itself, with credentials, as Banyan assumes the backend does. */
import { helloApi } from '../shared/kit.ts';

export default helloApi({ cors: { credentials: true, methods: ['GET', 'POST', 'PUT'], headers: ['Content-Type'] } });
