import { afterEach } from 'bun:test';
import { startGateway, startUpstream, type TestGateway, type TestUpstream } from './gateway.ts';

/**
 * Servers and other resources that live for one test: everything made through the returned
 * helpers is stopped after each test, newest first.
 */
export function scoped() {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
  });
  return {
    cleanup,
    upstream(handler?: (request: Request) => Response | Promise<Response>): TestUpstream {
      const u = startUpstream(handler);
      cleanup.push(() => u.stop());
      return u;
    },
    async gateway(yaml: string, options?: Parameters<typeof startGateway>[1]): Promise<TestGateway> {
      const g = await startGateway(yaml, options);
      cleanup.push(() => g.stop());
      return g;
    },
  };
}
