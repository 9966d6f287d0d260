/** Prints N free TCP ports on 127.0.0.1, one a line (all held open together, so they differ). */
import { createServer, type Server } from 'node:net';

const count = Number(process.argv[2] ?? 1);
const servers: Server[] = [];
for (let i = 0; i < count; i++) {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  servers.push(server);
}
console.log(servers.map((s) => (s.address() as { port: number }).port).join('\n'));
await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
