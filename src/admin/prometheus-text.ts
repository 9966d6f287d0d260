/** One metric family: its samples keyed by their formatted label set (`{a="b"}`, or `` for none). */
export interface Family {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: Iterable<readonly [labels: string, value: number]>;
}

/** Families in the Prometheus text exposition format (version 0.0.4). */
export function renderFamilies(families: Iterable<readonly [name: string, family: Family]>): string {
  let out = '';
  for (const [name, family] of families) {
    out += `# HELP ${name} ${family.help}\n# TYPE ${name} ${family.type}\n`;
    for (const [labels, value] of family.values) out += `${name}${labels} ${value}\n`;
  }
  return out;
}
