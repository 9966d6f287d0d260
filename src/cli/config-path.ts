/** `-c FILE`, else `$GATEHOUSE_CONFIG`, else `./gatehouse.yaml`. */
export function configPath(flag: string | undefined): string {
  return flag ?? process.env.GATEHOUSE_CONFIG ?? 'gatehouse.yaml';
}
