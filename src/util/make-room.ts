/**
 * Makes room in an insertion-ordered `Map` used as a bounded cache: when it holds `max` entries
 * or more, the oldest sixteenth (at least the excess) goes at once. Evicting one entry per insert
 * walks past every deleted slot at the front of Bun's `Map`, so that cost grows with the map
 * (about 13 µs per insert at 50,000 entries); a batch pays the walk once per `max / 16` inserts.
 */
export function makeRoom<K, V>(map: Map<K, V>, max: number): void {
  if (map.size < max) return;
  let drop = Math.max(map.size - max + 1, max >> 4, 1);
  for (const key of map.keys()) {
    map.delete(key);
    if (--drop === 0) break;
  }
}
