/**
 * Translated copies of a documentation tree, told from their paths: `pages.zh/` beside `pages/`,
 * `docs/fr/` beside `docs/de/`, anything under `i18n/` or `translations/`. Indexing does the main
 * tree first; search shows one result for a page and its translations ("also in 12 languages").
 */

/** ISO 639-1 language codes. */
const CODES = new Set(
  ('aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu ' +
    'fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko ' +
    'kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi ' +
    'pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ' +
    'ur uz ve vi vo wa wo xh yi yo za zh zu').split(' '),
);

/** Folders that hold translations whatever they are called inside. */
const TRANSLATION_ROOTS = new Set(['i18n', 'l10n', 'translations', 'locales', 'locale']);

/** `zh`, `pt_BR`, `zh-Hans`: a language code with an optional region or script. */
function code(s: string): string | undefined {
  const m = /^([a-z]{2})(?:[-_]([A-Za-z]{2,4}))?$/.exec(s);
  return m && CODES.has(m[1]) ? s : undefined;
}

/** A folder name as a language variant: `pages.zh` → base `pages`, `fr` → base '' (a bare code). */
export function languageSegment(segment: string): { base: string; lang: string } | undefined {
  const bare = code(segment);
  if (bare) return { base: '', lang: bare };
  const m = /^(.+?)[._-]([a-z]{2}(?:[-_][A-Za-z]{2,4})?)$/.exec(segment);
  const lang = m && code(m[2]);
  return m && lang ? { base: m[1], lang } : undefined;
}

const isEnglish = (lang: string) => lang === 'en' || lang.startsWith('en-') || lang.startsWith('en_');

/**
 * One page across its translations: the path with each language folder written as its base
 * (`pages.zh/common/tar.md` → `pages/common/tar.md`, `docs/fr/x.md` → `docs/{lang}/x.md`), and the
 * language (undefined: the main tree).
 */
export function translationKey(path: string): { key: string; lang?: string } {
  const parts = path.split('/');
  let lang: string | undefined;
  const key = parts.map((p, i) => {
    if (i === parts.length - 1) return p;
    const seg = languageSegment(p);
    if (!seg) return p;
    if (!isEnglish(seg.lang)) lang ??= seg.lang;
    return seg.base || '{lang}';
  });
  return { key: key.join('/'), ...(lang ? { lang } : {}) };
}

/**
 * Which paths are translated copies, seen across the whole set: a folder `<name>.<code>` whose
 * `<name>` is a sibling (or that has sibling variants), a bare code folder with at least two code
 * siblings (not English), and anything under i18n/, translations/ and the like.
 */
export function translationCopies(paths: Iterable<string>): (path: string) => boolean {
  const children = new Map<string, Set<string>>();
  const seenDirs = new Set<string>();
  for (const p of paths) {
    const cut = p.lastIndexOf('/');
    const dir = p.slice(0, Math.max(cut, 0));
    if (cut < 0 || seenDirs.has(dir)) continue; // each folder's chain once
    seenDirs.add(dir);
    let parent = '';
    for (const part of dir.split('/')) {
      let set = children.get(parent);
      if (!set) children.set(parent, (set = new Set()));
      set.add(part);
      parent = parent ? `${parent}/${part}` : part;
    }
  }
  const copyDir = (parent: string, name: string): boolean => {
    if (TRANSLATION_ROOTS.has(name.toLowerCase())) return true;
    const seg = languageSegment(name);
    if (!seg || isEnglish(seg.lang)) return false;
    const siblings = [...(children.get(parent) ?? [])].filter((s) => s !== name);
    if (seg.base) return siblings.some((s) => s === seg.base || languageSegment(s)?.base === seg.base);
    return siblings.filter((s) => languageSegment(s)?.base === '').length >= 2 || siblings.some((s) => isEnglish(languageSegment(s)?.lang ?? ''));
  };
  // Whether a folder (or one above it) is a translated copy, worked out once per folder.
  const dirIsCopy = new Map<string, boolean>();
  const copyOf = (dir: string): boolean => {
    if (!dir) return false;
    let copy = dirIsCopy.get(dir);
    if (copy === undefined) {
      const cut = dir.lastIndexOf('/');
      const parent = cut < 0 ? '' : dir.slice(0, cut);
      copy = copyOf(parent) || copyDir(parent, dir.slice(cut + 1));
      dirIsCopy.set(dir, copy);
    }
    return copy;
  };
  return (p: string) => {
    const cut = p.lastIndexOf('/');
    return cut >= 0 && copyOf(p.slice(0, cut));
  };
}
