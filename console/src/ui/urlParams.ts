import { useLocation } from 'preact-iso';

/**
 * Typed URL parameters: a page declares each parameter's parser, reads them validated, and
 * writes changes back to the URL, so a filtered list can be linked and reloaded.
 */
export type Parser<T> = (raw: string | undefined) => T;

export const text: Parser<string | undefined> = (raw) => (raw && raw.trim() !== '' ? raw.trim() : undefined);
export const oneOf = <T extends string>(values: readonly T[]): Parser<T | undefined> => (raw) =>
  values.find((value) => value === raw);
export const isoDay: Parser<string | undefined> = (raw) => (raw && /^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw : undefined);

export function useUrlParams<S extends Record<string, Parser<string | undefined>>>(schema: S) {
  const location = useLocation();
  const values = Object.fromEntries(Object.entries(schema).map(([name, parse]) => [name, parse(location.query[name])])) as {
    [K in keyof S]: ReturnType<S[K]>;
  };
  /** The URL of this page with some parameters changed: for real links (a pager is a link). */
  function href(changes: Partial<{ [K in keyof S]: string | undefined }>): string {
    const next = new URLSearchParams();
    const merged: Record<string, string | undefined> = { ...values, ...changes };
    for (const [name, value] of Object.entries(merged)) if (value !== undefined && value !== '') next.set(name, value);
    const search = next.toString();
    return `${location.path}${search ? `?${search}` : ''}`;
  }
  function set(changes: Partial<{ [K in keyof S]: string | undefined }>, replace = false) {
    location.route(href(changes), replace);
  }
  return [values, set, href] as const;
}
