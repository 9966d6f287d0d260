/** Splits `host:port` (host optional, `[::1]:8080` allowed); an empty host means every interface. */
export function parseListen(listen: string): { hostname: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const host = colon === -1 ? '' : listen.slice(0, colon);
  const port = Number(colon === -1 ? listen : listen.slice(colon + 1));
  return { hostname: host.replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}
