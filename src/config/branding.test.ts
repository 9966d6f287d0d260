import { describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import { brandingLints, contrastRatio, HEX_COLOUR, logoImgSource, logoUrlProblem, parseHexColour } from './branding.ts';
import { configSchema } from './schema.ts';

describe('accent colour: hex only', () => {
  test('#rgb and #rrggbb, either case', () => {
    for (const ok of ['#fff', '#1a5fb4', '#1A5FB4', '#15b']) expect(HEX_COLOUR.test(ok)).toBe(true);
  });

  test('anything that could carry CSS is refused', () => {
    const bad = ['red', '#ffff', '#12345', '#1234567', 'fff', '#ggg', 'rgb(0,0,0)', '#fff;}body{display:none', '#fff\n', ' #fff', 'var(--x)', '#fff}', 'url(x)', '#1a5fb4 !important'];
    for (const value of bad) expect(HEX_COLOUR.test(value)).toBe(false);
  });

  test('parsed to channels; 3 digits doubled', () => {
    expect(parseHexColour('#15b')).toEqual([0x11, 0x55, 0xbb]);
    expect(parseHexColour('#1a5fb4')).toEqual([0x1a, 0x5f, 0xb4]);
    expect(parseHexColour('blue')).toBeUndefined();
  });
});

describe('WCAG contrast', () => {
  const ratio = (a: string, b: string) => contrastRatio(parseHexColour(a)!, parseHexColour(b)!);

  test('the known end points and symmetry', () => {
    expect(ratio('#000', '#fff')).toBeCloseTo(21, 5);
    expect(ratio('#fff', '#fff')).toBe(1);
    expect(ratio('#1a5fb4', '#fff')).toBe(ratio('#fff', '#1a5fb4'));
  });

  test('matches published values', () => {
    // #767676 is the lightest grey that passes AA on white (4.54:1); #777777 just fails (4.48:1).
    expect(ratio('#767676', '#fff')).toBeCloseTo(4.54, 2);
    expect(ratio('#777777', '#fff')).toBeCloseTo(4.48, 2);
    expect(ratio('#ff0000', '#fff')).toBeCloseTo(4.0, 2);
  });
});

describe('logo URL', () => {
  test('https URLs and paths on the sign-in host are accepted', () => {
    for (const ok of ['https://cdn.example.test/logo.svg', 'https://cdn.example.test:8443/a/b.png?v=2', '/logo.svg', '/static/brand/logo.png']) {
      expect(logoUrlProblem(ok)).toBeUndefined();
    }
  });

  test('script, data, plain http, other hosts in disguise and attribute breakers are refused', () => {
    const bad = [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:image/svg+xml,<svg onload=alert(1)>',
      'data:image/png;base64,AAAA',
      'http://cdn.example.test/logo.svg',
      'ftp://cdn.example.test/logo.svg',
      '//evil.test/logo.svg',
      '/\\evil.test/logo.svg',
      'https://user:pw@cdn.example.test/logo.svg',
      'logo.svg',
      '',
      'https://cdn.example.test/logo.svg" onerror="alert(1)',
      '/logo.svg onerror=alert(1)',
      'java\tscript:alert(1)',
      'vbscript:msgbox(1)',
    ];
    for (const value of bad) expect([value, logoUrlProblem(value)]).toEqual([value, expect.any(String)]);
    expect(logoUrlProblem('javascript:alert(1)')).toContain('javascript: URLs are refused');
  });

  test('CSP img-src names only the logo origin, or self for a path', () => {
    expect(logoImgSource('https://cdn.example.test/a/logo.svg?x=1')).toBe('https://cdn.example.test');
    expect(logoImgSource('https://cdn.example.test:8443/logo.svg')).toBe('https://cdn.example.test:8443');
    expect(logoImgSource('/logo.svg')).toBe("'self'");
  });
});

describe('the schema and the contrast warning', () => {
  const base = { routes: [{ from: 'https://app.example.test', to: 'http://127.0.0.1:9' }] };
  const parse = (branding: unknown) => v.safeParse(configSchema, { ...base, authenticate: { url: 'https://auth.example.test', provider: 'static', branding } });
  const messages = (branding: unknown) => {
    const result = parse(branding);
    return result.success ? [] : result.issues.map((i) => i.message);
  };

  test('valid branding loads', () => {
    expect(parse({ title: 'Acme', logo_url: '/logo.svg', accent_color: '#1a5fb4' }).success).toBe(true);
    expect(parse({}).success).toBe(true);
  });

  test('each bad value is refused with what to write instead', () => {
    expect(messages({ accent_color: 'red' })).toEqual(['expected a hex colour like "#1a5fb4" or "#15b"']);
    // `accent_color: #1a5fb4` unquoted is a YAML comment: the value arrives as null.
    expect(messages({ accent_color: null })[0]).toContain('an unquoted # starts a YAML comment');
    expect(messages({ logo_url: 'javascript:alert(1)' })[0]).toContain('javascript: URLs are refused');
    expect(messages({ title: '' })).toEqual(['expected a short title']);
    expect(messages({ title: 'x'.repeat(61) })).toEqual(['keep the title to 60 characters']);
    expect(messages({ colour: '#fff' })[0]).toContain('colour');
  });

  test('check warns below 4.5:1 against the button text or page background, at the key', () => {
    expect(brandingLints(undefined)).toEqual([]);
    expect(brandingLints({ accent_color: '#1a5fb4' })).toEqual([]);
    const [warning, ...rest] = brandingLints({ accent_color: '#ffcc00' });
    expect(rest).toEqual([]);
    expect(warning!.path).toEqual(['authenticate', 'branding', 'accent_color']);
    expect(warning!.message).toStartWith('#ffcc00 has a contrast of 1.39:1 against the page background');
    // Passes against white (4.54:1) but not against the page's grey background.
    expect(brandingLints({ accent_color: '#767676' })[0]!.message).toContain('against the page background');
  });
});
