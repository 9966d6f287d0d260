/**
 * Sites as browsers see them for SameSite cookies, simplified without the public suffix list:
 * scheme plus the last two labels of the host (`app.demo.localhost` → `demo.localhost`).
 */
import { domainCovers, registrableDomain } from '../config/cors-lints.ts';

export { domainCovers, registrableDomain };

/** `https://example.test` for `https://api.example.test:8443`; an IP address is its own site. */
export function siteOf(origin: string | URL): string {
  const url = typeof origin === 'string' ? new URL(origin) : origin;
  return `${url.protocol}//${registrableDomain(url.hostname)}`;
}
