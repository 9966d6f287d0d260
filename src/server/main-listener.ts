import type { Serve, Server, TLSOptions } from 'bun';
import type { TlsConfig } from '../config/tls-setting.ts';
import type { Logger } from '../plugin-api/index.ts';
import type { TunnelData } from '../proxy/websocket.ts';
import { bunTls } from './tls-options.ts';

export interface MainListener {
  /** The port bound (the real one when `listen` said 0). */
  readonly port: number;
  /**
   * Serves the certificates of `tls` from now on. Bun cannot change a running server's
   * certificates, so a replacement listener opens on the same port (SO_REUSEPORT) and the old
   * one stops accepting and finishes its requests. Adding or removing `tls` needs a restart.
   */
  reloadTls(tls: TlsConfig | undefined): void;
  /** As Bun's `server.stop`, for the current listener and any still finishing after a reload. */
  stop(closeActiveConnections: boolean): Promise<void>;
}

/**
 * Opens Gatehouse's listener with `options` (everything but `tls`) and the certificates of `tls`
 * (plain HTTP without). With `tls` the socket always joins a SO_REUSEPORT group, so a certificate
 * reload can open its replacement before the old one closes; a check beforehand keeps "port in
 * use" an error when another process holds the port.
 */
export function openMainListener(options: Serve.Options<TunnelData>, tls: TlsConfig | undefined, log: Logger): MainListener {
  const base = options as Serve.Options<TunnelData> & { hostname: string; port: number; reusePort?: boolean };
  let applied: TLSOptions[] | undefined = tls ? bunTls(tls) : undefined;
  if (applied && !base.reusePort && base.port !== 0) {
    // Without SO_REUSEPORT this bind fails if anyone holds the port, as the real one would have.
    Bun.serve({ hostname: base.hostname, port: base.port, fetch: () => new Response(null) }).stop(true);
  }
  let server: Server<TunnelData> = Bun.serve<TunnelData>({ ...base, reusePort: Boolean(base.reusePort || applied), tls: applied } as Serve.Options<TunnelData>);
  const port = server.port!;
  const finishing = new Set<Server<TunnelData>>();

  return {
    port,
    reloadTls(next) {
      if ((next === undefined) !== (applied === undefined)) {
        log.warn(`"tls" was ${next ? 'added' : 'removed'}; it takes effect on restart`);
        return;
      }
      if (!next) return;
      const wanted = bunTls(next);
      if (JSON.stringify(wanted) === JSON.stringify(applied)) return;
      let replacement: Server<TunnelData>;
      try {
        replacement = Bun.serve<TunnelData>({ ...base, port, reusePort: true, tls: wanted } as Serve.Options<TunnelData>);
      } catch (error) {
        log.error('cannot serve the new certificates; the previous ones keep serving', { error: (error as Error).message });
        return;
      }
      const old = server;
      server = replacement;
      applied = wanted;
      finishing.add(old);
      void old.stop(false).finally(() => finishing.delete(old));
      log.info('certificates reloaded', { certificates: Array.isArray(next) ? next.length : 1 });
    },
    async stop(closeActiveConnections) {
      await Promise.all([server, ...finishing].map((s) => s.stop(closeActiveConnections)));
    },
  };
}
