/** A fresh request id; client-sent ids are not trusted (they would reach logs unchecked). */
export function newRequestId(): string {
  return crypto.randomUUID();
}
