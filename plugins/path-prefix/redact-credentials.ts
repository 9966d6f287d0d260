/** Injected values shorter than this are not searched for: too likely to be ordinary text. */
export const MIN_SECRET_LENGTH = 6;

/** Tells whether a response header would hand an injected credential back to the client. */
export interface CredentialScrubber {
  /** True when the header has an injected header's name, or its value contains an injected value. */
  leaks(name: string, value: string): boolean;
}

/**
 * Built once from `set_request_headers`. An upstream that echoes request headers (debug
 * endpoints, some error pages) must not reveal the service token to the browser, so any
 * response header named like an injected one, or whose value contains an injected value of at
 * least `MIN_SECRET_LENGTH` characters, is removed.
 */
export function createCredentialScrubber(injected: Readonly<Record<string, string>>): CredentialScrubber {
  const names = new Set(Object.keys(injected).map((n) => n.toLowerCase()));
  const values = [...new Set(Object.values(injected))].filter((v) => v.length >= MIN_SECRET_LENGTH);
  if (names.size === 0) return { leaks: () => false };
  return {
    leaks(name, value) {
      if (names.has(name.toLowerCase())) return true;
      for (const secret of values) if (value.includes(secret)) return true;
      return false;
    },
  };
}
