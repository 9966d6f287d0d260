/**
 * Helpers for the auth tests (not used at run time).
 */
import type { Logger } from '../../src/plugin-api/index.ts';

export interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

/** A logger that keeps its lines in `lines` for assertions. */
export function memoryLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const make = (base: Record<string, unknown>): Logger & { lines: LogLine[] } => ({
    lines,
    debug: (msg, fields) => void lines.push({ level: 'debug', msg, fields: { ...base, ...fields } }),
    info: (msg, fields) => void lines.push({ level: 'info', msg, fields: { ...base, ...fields } }),
    warn: (msg, fields) => void lines.push({ level: 'warn', msg, fields: { ...base, ...fields } }),
    error: (msg, fields) => void lines.push({ level: 'error', msg, fields: { ...base, ...fields } }),
    child: (fields) => make({ ...base, ...fields }),
  });
  return make({});
}

/** A settable clock in seconds, for tokens and caches. */
export function fakeClock(start = Math.floor(Date.now() / 1000)) {
  let t = start;
  return {
    seconds: () => t,
    millis: () => t * 1000,
    advance(s: number) {
      t += s;
    },
  };
}
