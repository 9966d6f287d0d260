import { decodeAllOnce, decodesToValidUtf8, hasOnlyWellFormedEscapes, utf8FromBytes } from './percent.ts';

export type { PathHazard } from '../../plugin-api/index.ts';
import type { PathHazard } from '../../plugin-api/index.ts';

// After one decoding, an escape that a second decoding would turn into a separator, a dot,
// a control character, another escape, or an overlong UTF-8 lead byte.
const SECOND_LAYER = /%(2e|2f|5c|25|[01][0-9a-f]|7f|c0|c1)/i;

/**
 * The first reason the raw path (request-target up to `?`) is unsafe to forward, or null;
 * hazards in `ignore` are passed over. Pure and order-stable, so the reason a client sees is
 * predictable.
 */
export function findHazard(rawPath: string, ignore?: ReadonlySet<PathHazard>): PathHazard | null {
  if (!rawPath.startsWith('/')) return 'not_origin_form';
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'control_character';
    if (c === 0x5c) return 'backslash';
  }
  if (rawPath.includes('%')) {
    if (!hasOnlyWellFormedEscapes(rawPath)) return 'malformed_escape';
    for (const [, hex] of rawPath.matchAll(/%([0-9A-Fa-f]{2})/g)) {
      const b = parseInt(hex!, 16);
      if (b === 0x2f && !ignore?.has('encoded_slash')) return 'encoded_slash';
      if (b === 0x5c && !ignore?.has('encoded_backslash')) return 'encoded_backslash';
      if (b < 0x20 || b === 0x7f) return 'encoded_control_character';
    }
    if (SECOND_LAYER.test(decodeAllOnce(rawPath))) return 'double_encoding';
    if (!decodesToValidUtf8(rawPath)) return 'invalid_utf8';
  }
  const segments = rawPath.slice(1).split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === '' && i < segments.length - 1 && !ignore?.has('empty_segment')) return 'empty_segment';
    if (isDotVariant(segment)) return 'dot_segment_variant';
  }
  for (const segment of segments) if (isUnicodeLookalike(segment)) return 'unicode_lookalike';
  return null;
}

/**
 * A segment whose NFKC form (what Unicode-normalising servers compare) gains a separator or an
 * escape, or reads as a dot segment: `%EF%BC%8F` (fullwidth `/`), `%EF%BC%8E%EF%BC%8E` (`..`).
 */
export function isUnicodeLookalike(segment: string): boolean {
  const text = utf8FromBytes(decodeAllOnce(segment));
  if (!/[^\x00-\x7f]/.test(text)) return false;
  const folded = text.normalize('NFKC');
  if (folded === text) return false;
  const specials = (s: string) => s.match(/[/\\%]/g)?.length ?? 0;
  if (specials(folded) > specials(text)) return true;
  const name = folded.split(';', 1)[0]!;
  return name.includes('.') && /^[. \t]+$/.test(name);
}

/**
 * A segment some server would read as `.` or `..` though it is not exactly one: `..;x`
 * (Tomcat path parameters), `...`, `.. ` (Windows trims trailing dots and spaces).
 * Plain `.` and `..` (in any unreserved encoding) are not variants: they are resolved.
 */
export function isDotVariant(segment: string): boolean {
  if (!segment.includes('.') && !/%2e/i.test(segment)) return false;
  const decoded = decodeAllOnce(segment);
  if (decoded === '.' || decoded === '..') return false;
  const beforeParams = decoded.split(';', 1)[0]!;
  return beforeParams.includes('.') && /^[. \t]+$/.test(beforeParams);
}
