/**
 * `authenticate.branding`: what an operator may put on the sign-in page, and the rules that
 * keep it from becoming a way in. The accent colour is a hex colour only (it lands in CSS), the
 * logo an https URL or a path on the sign-in host (it lands in `src` and in the page's CSP);
 * the WCAG contrast of the accent against the page is a `gatehouse check` warning.
 */

/** `#rgb` or `#rrggbb`, nothing else: no names, functions or `;` can reach the stylesheet. */
export const HEX_COLOUR = /^#(?:[0-9a-fA-F]{3}){1,2}$/;

/** The page's fixed colours the accent meets: the card and button text, and the page around it. */
export const PAGE_COLOURS = { card: '#ffffff', buttonText: '#ffffff', background: '#f4f5f7' } as const;

/** WCAG 2 AA for normal text. */
export const MIN_CONTRAST = 4.5;

export type Rgb = readonly [number, number, number];

/** `#1a5fb4` or `#15b` as 0–255 channels; undefined for anything else. */
export function parseHexColour(hex: string): Rgb | undefined {
  if (!HEX_COLOUR.test(hex)) return undefined;
  const digits = hex.length === 4 ? [...hex.slice(1)].map((d) => d + d) : [hex.slice(1, 3), hex.slice(3, 5), hex.slice(5, 7)];
  const [r, g, b] = digits.map((d) => parseInt(d, 16));
  return [r!, g!, b!];
}

/** WCAG 2 relative luminance of an sRGB colour. */
export function relativeLuminance([r, g, b]: Rgb): number {
  const linear = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** WCAG 2 contrast ratio of two colours, from 1 (same) to 21 (black on white). */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

// Control characters, spaces, quotes, angle brackets and backslashes have no place in a logo
// URL: they would only ever serve to break out of an attribute or confuse a URL parser.
const UNSAFE_URL_CHARS = /[\x00-\x20\x7f"'<>\\`]/;

/** Why `value` cannot be the logo URL, or undefined when it is an https URL or a local path. */
export function logoUrlProblem(value: string): string | undefined {
  const expected = 'expected an https:// URL or a path on the sign-in host like /logo.svg';
  if (value === '' || UNSAFE_URL_CHARS.test(value)) return expected;
  if (value.startsWith('/')) return value.startsWith('//') ? `${expected} ("//" makes it another host)` : undefined;
  if (!URL.canParse(value)) return expected;
  const url = new URL(value);
  if (url.protocol !== 'https:') return `${expected}; ${url.protocol} URLs are refused`;
  if (url.username || url.password) return `${expected}, without a user name or password`;
  // The origin is written into the CSP, where `;` starts a directive and `,` another policy, and
  // `*` is a wildcard; URL parsers let all three through in a host name.
  if (!/^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])$/.test(url.hostname)) return `${expected} ("${url.hostname}" is not a host name)`;
  return undefined;
}

/** The CSP `img-src` source that lets the page load `logoUrl` and nothing else new. */
export function logoImgSource(logoUrl: string): string {
  return logoUrl.startsWith('/') ? "'self'" : new URL(logoUrl).origin;
}

export interface BrandingLint {
  path: (string | number)[];
  message: string;
}

/** The accent colour's contrast warning, when it is below `MIN_CONTRAST` against the page. */
export function brandingLints(branding: { accent_color?: string } | undefined): BrandingLint[] {
  const accent = branding?.accent_color && parseHexColour(branding.accent_color);
  if (!accent) return [];
  const against = [
    ['the white button text', PAGE_COLOURS.buttonText],
    ['the page background', PAGE_COLOURS.background],
  ] as const;
  const [what, ratio] = against
    .map(([name, colour]) => [name, contrastRatio(accent, parseHexColour(colour)!)] as const)
    .sort((x, y) => x[1] - y[1])[0]!;
  if (ratio >= MIN_CONTRAST) return [];
  return [
    {
      path: ['authenticate', 'branding', 'accent_color'],
      message: `${branding!.accent_color} has a contrast of ${ratio.toFixed(2)}:1 against ${what} of the sign-in page; text needs at least ${MIN_CONTRAST}:1 (WCAG AA) to stay readable, so pick a darker colour`,
    },
  ];
}
