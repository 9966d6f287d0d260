import type { GenericSchema } from 'valibot';

type AnySchema = GenericSchema & {
  type: string;
  entries?: Record<string, AnySchema>;
  wrapped?: AnySchema;
  item?: AnySchema;
  value?: AnySchema;
  options?: AnySchema[];
  pipe?: AnySchema[];
};

/** The keys an object schema accepts at `path` (used to suggest a fix for an unknown key). */
export function knownKeysAt(schema: GenericSchema, path: readonly (string | number)[]): string[] {
  let candidates: AnySchema[] = [schema as AnySchema];
  for (const key of path) {
    candidates = candidates.flatMap(unwrap).flatMap((s): AnySchema[] => {
      if (s.entries && typeof key === 'string' && s.entries[key]) return [s.entries[key]];
      if (s.type === 'array' && typeof key === 'number' && s.item) return [s.item];
      if (s.type === 'record' && s.value) return [s.value];
      return [];
    });
  }
  return [...new Set(candidates.flatMap(unwrap).flatMap((s) => Object.keys(s.entries ?? {})))];
}

function unwrap(s: AnySchema): AnySchema[] {
  if (s.wrapped) return unwrap(s.wrapped);
  if (s.type === 'union' && s.options) return s.options.flatMap(unwrap);
  if (s.pipe && s.pipe[0] && s.pipe[0] !== s) return unwrap(s.pipe[0]);
  return [s];
}
