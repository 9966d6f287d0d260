import { timingSafeEqual as bytesEqual } from 'node:crypto';

const encoder = new TextEncoder();

/** Compares two secrets in time that depends only on their lengths, never on where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  // Compare against itself when lengths differ so the work done does not reveal the prefix.
  if (left.length !== right.length) {
    bytesEqual(left, left);
    return false;
  }
  return bytesEqual(left, right);
}
