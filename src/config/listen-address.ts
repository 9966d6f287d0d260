/** A `listen` value, parsed once when the config is read. */
export interface ListenAddress {
  /** The interface to bind: `0.0.0.0` when the value names none. */
  hostname: string;
  port: number;
}

/**
 * Splits `host:port` (host optional, `[::1]:8080` allowed; an empty host means every interface),
 * or returns null when the value is not one.
 */
export function parseListen(listen: string): ListenAddress | null {
  const colon = listen.lastIndexOf(':');
  const host = colon === -1 ? '' : listen.slice(0, colon);
  const digits = colon === -1 ? listen : listen.slice(colon + 1);
  if (!/^\d{1,5}$/.test(digits) || Number(digits) > 65535) return null;
  if (!/^(\[[0-9a-f:.]+\]|[^:\s\[\]]*)$/i.test(host)) return null;
  return { hostname: host.replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(digits) };
}
