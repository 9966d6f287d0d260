/** Edit distance where swapping two neighbouring letters (`form` for `from`) costs one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Names other proxies and gateways use for what Gatehouse spells differently: no typo distance
 * links `path` to `prefix`, yet it is what someone coming from those configs writes first.
 */
const SYNONYMS = new Map<string, readonly string[]>(Object.entries({
  path: ['prefix'],
  location: ['prefix'],
  match: ['from', 'prefix'],
  host: ['from'],
  hostname: ['from'],
  upstream: ['to'],
  upstreams: ['to'],
  target: ['to'],
  backend: ['to'],
  proxy_pass: ['to'],
  websocket: ['allow_websockets'],
  websockets: ['allow_websockets'],
  middleware: ['plugins'],
  middlewares: ['plugins'],
}));

/**
 * The candidate closest to `word` when it is close enough to be a likely typo, or the key that
 * other gateways' name for it maps to. Short words must be very close: `foo` is not a typo of `to`.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const lower = word.toLowerCase();
  const synonym = SYNONYMS.get(lower)?.find((s) => list.includes(s));
  if (synonym) return synonym;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of list) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestScore) [best, bestScore] = [c, d];
  }
  return best !== undefined && bestScore <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}
