/**
 * The path filter of a search (`docs/adr/**`), the same for every backend: picomatch with dotfiles
 * matched, a glob that does not parse said plainly. SQLite calls the matcher; PostgreSQL matches
 * its regular expression (picomatch's, which PostgreSQL's regex engine reads the same way).
 */
import picomatch from 'picomatch';
import { LoreError } from '../errors';

const cache = new Map<string, picomatch.Matcher>();

export function pathGlobMatcher(glob: string): picomatch.Matcher {
  let m = cache.get(glob);
  if (!m) {
    try {
      m = picomatch(glob, { dot: true });
    } catch (err) {
      throw new LoreError('BAD_INPUT', `Invalid path glob "${glob}": ${(err as Error).message}`);
    }
    if (cache.size > 100) cache.clear();
    cache.set(glob, m);
  }
  return m;
}

/** The glob as a regular expression's source. */
export function pathGlobRegex(glob: string): string {
  try {
    return picomatch.makeRe(glob, { dot: true }).source;
  } catch (err) {
    throw new LoreError('BAD_INPUT', `Invalid path glob "${glob}": ${(err as Error).message}`);
  }
}

/** The document types a filter asks for, as they are stored (lowercase): "ADR" filters like "adr" from every host. */
export function filterTypes(documentTypes: string[] | undefined): string[] {
  return (documentTypes ?? []).map((t) => String(t).trim().toLowerCase()).filter(Boolean);
}
