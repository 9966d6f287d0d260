const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Whether `name` (lower-case) is hop-by-hop by itself: the fixed set and `Proxy-*`. */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-');
}

/**
 * Removes hop-by-hop headers (RFC 9110 §7.6.1): the fixed set, `Proxy-*`, and those `Connection`
 * lists; with `alsoDrop`, also every header (lower-case name) it says yes to, in the same pass.
 * Returns the headers as they were, as one plain object (`Headers.toJSON`), so a caller can read
 * values without asking the native object again.
 */
export function stripHopByHop(headers: Headers, alsoDrop?: (name: string) => boolean): Record<string, string | string[]> {
  // One native call for every name: iterating `headers.keys()` costs about twice as much.
  const present: Record<string, string | string[]> = headers.toJSON();
  const listed = present.connection;
  if (typeof listed === 'string') for (const name of listed.split(',')) headers.delete(name.trim());
  for (const name in present) {
    if (isHopByHop(name) || (alsoDrop !== undefined && alsoDrop(name))) headers.delete(name);
  }
  return present;
}
