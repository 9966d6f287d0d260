/** A config with one public route on http://api.example.test to `to` (one URL or several), plus extra route keys (YAML lines). */
export function publicRoute(to: string | string[], extra = ''): string {
  const target = Array.isArray(to) ? `[${to.join(', ')}]` : to;
  return `routes:
  - from: http://api.example.test
    to: ${target}
    policy: { public: true }
${extra.replace(/^/gm, '    ')}
`;
}
