/**
 * Percent-decoding helpers used only to *classify* paths. The path sent upstream is always
 * built from the client's original text, never from these decoded forms.
 */

const ESCAPE = /%([0-9A-Fa-f]{2})/g;

/** RFC 3986 unreserved: ALPHA DIGIT - . _ ~ */
function isUnreservedByte(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
    b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e
  );
}

/** Decodes only escapes of unreserved characters (`%61` → `a`, `%2e` → `.`); others stay as sent. */
export function decodeUnreserved(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(ESCAPE, (whole, hex: string) => {
    const b = parseInt(hex, 16);
    return isUnreservedByte(b) ? String.fromCharCode(b) : whole;
  });
}

/**
 * Decodes every well-formed escape once, byte by byte, into a string of code units 0-255
 * (malformed `%` sequences stay). Good for spotting ASCII meaning; not for display.
 */
export function decodeAllOnce(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Decodes every escape repeatedly (bounded), the way the sloppiest server in a chain might. */
export function decodeAllRepeatedly(text: string, rounds = 4): string {
  let current = text;
  for (let i = 0; i < rounds; i++) {
    const next = decodeAllOnce(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

/** True when every `%` starts a two-hex-digit escape. */
export function hasOnlyWellFormedEscapes(text: string): boolean {
  for (let i = text.indexOf('%'); i !== -1; i = text.indexOf('%', i + 1)) {
    if (!/^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) return false;
  }
  return true;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** True when the path's bytes, after decoding each escape once, are valid UTF-8. */
export function decodesToValidUtf8(text: string): boolean {
  // Only escapes of bytes >= 0x80 can make it invalid; raw characters are UTF-16 already.
  if (!/%[89A-Fa-f][0-9A-Fa-f]/.test(text)) return true;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      const end = c >= 0xd800 && c <= 0xdbff ? i + 2 : i + 1;
      for (const b of encoder.encode(text.slice(i, end))) bytes.push(b);
      i = end - 1;
    }
  }
  try {
    fatalUtf8.decode(new Uint8Array(bytes));
    return true;
  } catch {
    return false;
  }
}

const looseUtf8 = new TextDecoder('utf-8');

/**
 * Reads a string of decoded bytes (code units 0-255, as from `decodeAllOnce`) as UTF-8;
 * characters above 0xFF (raw non-ASCII input) are taken as they are.
 */
export function utf8FromBytes(bytes: string): string {
  if (!/[^\x00-\x7f]/.test(bytes) || /[^\x00-\xff]/.test(bytes)) return bytes;
  return looseUtf8.decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
}

/**
 * The NFKC form of decoded bytes, the way Unicode-normalising servers compare paths:
 * fullwidth `／` becomes `/`, `．` becomes `.`.
 */
export function foldUnicode(bytes: string): string {
  return /[^\x00-\x7f]/.test(bytes) ? utf8FromBytes(bytes).normalize('NFKC') : bytes;
}
