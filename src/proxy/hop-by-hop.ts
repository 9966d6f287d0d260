const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Removes hop-by-hop headers (RFC 9110 §7.6.1): the fixed set, `Proxy-*`, and those `Connection`
 * lists; with `alsoDrop`, also every header (lower-case name) it says yes to, in the same pass.
 */
export function stripHopByHop(headers: Headers, alsoDrop?: (name: string) => boolean): void {
  const listed = headers.get('connection');
  if (listed) for (const name of listed.split(',')) headers.delete(name.trim());
  const doomed: string[] = [];
  for (const name of headers.keys()) {
    if (HOP_BY_HOP.has(name) || name.startsWith('proxy-') || (alsoDrop !== undefined && alsoDrop(name))) doomed.push(name);
  }
  for (const name of doomed) headers.delete(name);
}
