/** The human form of an explain report; colour only when asked (stdout is a TTY). */
import type { ExplainReport } from './explain.ts';

/** Renders `report` as text, one block per request, the fix indented under a failure. */
export function formatText(report: ExplainReport, colour: boolean): string {
  const paint = (code: number, s: string) => (colour ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  for (const r of report.requests) {
    const mark = r.verdict === 'ok' ? paint(32, 'ok  ') : r.verdict === 'failed' ? paint(31, 'FAIL') : paint(33, 'none');
    lines.push(`${mark} ${r.method} ${r.url} -> ${r.route ?? 'no route'} (${r.status || 'no answer'})${r.upstream_reached === undefined ? '' : r.upstream_reached ? ', reached the upstream' : ', stopped before the upstream'}`);
    if (r.plugins) lines.push(`     plugins: ${r.plugins.join(', ') || 'none'}; policy: ${JSON.stringify(r.policy)}`);
    lines.push(`     ${r.step ? `${r.step}: ` : ''}${r.message}`);
    if (r.fix) {
      lines.push(`     fix (${paint(1, r.fix.technique)}, docs/cross-origin.md):`);
      for (const l of r.fix.yaml.trimEnd().split('\n')) lines.push(`       ${l}`);
    }
  }
  lines.push(report.requests.length === 0 ? 'no request went to a host this config routes' : `${report.failures} of ${report.requests.length} request${report.requests.length === 1 ? '' : 's'} failed`);
  return lines.join('\n');
}
