/**
 * Which string lengths occur among some keys, so a lookup that cuts candidate keys out of a
 * request (a host's suffixes, a path's prefixes) slices only the candidates that could be there.
 */
export class LengthSet {
  private readonly present: Uint8Array;

  constructor(keys: Iterable<string>) {
    const lengths = [...keys].map((key) => key.length);
    this.present = new Uint8Array(lengths.reduce((longest, length) => Math.max(longest, length), 0) + 1);
    for (const length of lengths) this.present[length] = 1;
  }

  has(length: number): boolean {
    return length < this.present.length && this.present[length] === 1;
  }
}
