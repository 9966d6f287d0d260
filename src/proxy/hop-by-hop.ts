const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Removes hop-by-hop headers (RFC 9110 §7.6.1): the fixed set, `Proxy-*`, and those `Connection`
 * lists; with `dropPrefix`, also every header whose name starts with it, in the same pass.
 */
export function stripHopByHop(headers: Headers, dropPrefix?: string): void {
  const listed = headers.get('connection');
  if (listed) for (const name of listed.split(',')) headers.delete(name.trim());
  const doomed: string[] = [];
  for (const name of headers.keys()) {
    if (HOP_BY_HOP.has(name) || name.startsWith('proxy-') || (dropPrefix && name.startsWith(dropPrefix))) doomed.push(name);
  }
  for (const name of doomed) headers.delete(name);
}
