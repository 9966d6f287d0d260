/** One problem found in a config file, located precisely enough to fix it without searching. */
export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted key path, e.g. `routes[0].plugins[1].allow_origins[2]`. */
  path: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.path ? ` ${p.path}:` : '';
  return `${p.file}:${p.line}:${p.column}:${where} ${p.message}`;
}

/** Thrown when a config cannot be loaded; carries every problem found. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${k}` : k;
  return out;
}
