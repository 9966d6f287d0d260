import { describe, expect, test } from 'bun:test';
import { regexHazard } from './regex-safety.ts';

describe('regexHazard refuses patterns that backtrack catastrophically, quoting the part at fault', () => {
  const evil: [string, string, RegExp][] = [
    ['(a+)+', '(a+)+', /nests the repetition "a\+"/],
    ['^/x/(\\d+)+$', '(\\d+)+', /nests/],
    ['(x+x+)+y', '(x+x+)+', /nests/],
    ['([a-z]+)*$', '([a-z]+)*', /nests/],
    ['(\\w+\\s?)*', '(\\w+\\s?)*', /nests/],
    ['(.+/)+', '(.+/)+', /nests/],
    ['(?:[^/]+/?)+', '(?:[^/]+/?)+', /nests/],
    ['((ab)+c?)+', '((ab)+c?)+', /nests/],
    ['(a+){2}', '(a+){2}', /nests/],
    ['(a*)*', '(a*)*', /empty string/],
    ['(a?)+', '(a?)+', /empty string/],
    ['(a|)*', '(a|)*', /empty string/],
    ['^/(.*)*$', '(.*)*', /empty string/],
    ['(a|a)*', '(a|a)*', /alternation "a\|a"/],
    ['(a|ab)+', '(a|ab)+', /start alike/],
    ['(\\d|[0-9a-f])+', '(\\d|[0-9a-f])+', /start alike/],
    ['.*.*', '.*….*', /share the text/],
    ['\\d+\\d*', '\\d+…\\d*', /share the text/],
    ['a*b?a*', 'a*…a*', /share the text/],
    ['a*aa*', 'a*…a*', /share the text/],
    ['^/api/(.*)/(.*)$', '(.*)…(.*)', /\[\^\/\]\* for a segment/],
    ['(?:a+a|a+a?a)a*a*', '(?:a+a|a+a?a)…a*', /share the text/],
    ['(a)\\1', '\\1', /backreferences/],
    ['(?<n>a)\\k<n>', '\\k<n>', /backreferences/],
    ['a(?=b)', '(?=b)', /lookahead and lookbehind/],
    ['a(?!b)', '(?!b)', /lookahead and lookbehind/],
    ['(?<=a)b', '(?<=a)', /lookahead and lookbehind/],
    ['(?<!a)b', '(?<!a)', /lookahead and lookbehind/],
  ];
  for (const [source, part, why] of evil) {
    test(source, () => {
      const hazard = regexHazard(source);
      expect(hazard?.part).toBe(part);
      expect(hazard?.why).toMatch(why);
    });
  }
});

describe('regexHazard accepts patterns whose matches split one way only', () => {
  const fine = [
    '^/items/(\\d+)$',
    '/items/(\\d+)',
    '^/api/v(\\d+)/(.*)$',
    '^/u/([^/]+)/posts/(\\d+)$',
    '^/files/(?:[^/]+/)*[^/]+$',
    '([^/]*)/(.*)',
    '[^/]+/.+',
    '(/[^/]+)*',
    '([^/]+/)*',
    '(?:/[a-z0-9-]+)+/?',
    '(a+b)*',
    '(a|b)*',
    '(/x|/y)*',
    '(?:ab){3}',
    '(?<id>\\d+)',
    '[a-z]+-[a-z]+',
    '^/(?:en|de|fr)/docs/(.+)$',
    '\\p{L}+',
    '^/\\u{1F600}/x$',
    '[\\d\\-]+',
  ];
  for (const source of fine) test(source, () => expect(regexHazard(source)).toBeNull());
});
