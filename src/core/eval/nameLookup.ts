/**
 * Name lookup: the queries people type when they know what a page is called, its file name
 * (`tar`, `ch04-01-what-is-ownership`) or its title ("Understanding Ownership"), each with that
 * page as the one right answer (every page of that name, when several share it; the main tree's
 * page, not its translations). Scored by hit@1: the page must come first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../config';
import { FileFilter, listFiles } from '../index/files';
import { MARKDOWN_EXT } from '../markdown/docInfo';
import { parseMarkdown } from '../markdown/parse';
import { translationKey } from '../translations';
import type { EvalSet } from './run';

export interface NameLookupSet extends EvalSet {
  files: number;
}

export async function buildNameLookupSet(root: string): Promise<NameLookupSet> {
  const config = resolveConfig();
  const filter = new FileFilter(root, { include: config.include, exclude: config.exclude, respectGitignore: config.respectGitignore });
  const listed = [...(await listFiles(filter))].map(([rel]) => rel).sort();
  const docs: EvalSet['docs'] = [];
  const answers = new Map<string, Set<string>>();
  const add = (query: string, rel: string) => {
    const q = query.trim();
    if (!q) return;
    const key = q.toLowerCase();
    let set = answers.get(key);
    if (!set) answers.set(key, (set = new Set()));
    set.add(rel);
  };
  for (const rel of listed) {
    const raw = fs.readFileSync(path.join(root, rel), 'utf8');
    const { title } = parseMarkdown(raw, rel);
    docs.push({ id: rel, title: '', text: raw });
    // A translated copy is an answer to nothing: the main tree's page is the one to find.
    if (translationKey(rel).lang) continue;
    add(path.basename(rel).replace(MARKDOWN_EXT, ''), rel);
    add(title, rel);
  }
  const queries = [...answers.keys()].sort().map((text, i) => ({ id: `n${i + 1}`, text }));
  const qrels = new Map(queries.map((q) => [q.id, new Map([...answers.get(q.text)!].map((rel) => [rel, 1]))]));
  const known = new Set(listed);
  return { docs, queries, qrels, root, docOfPath: (rel) => (known.has(rel) ? rel : undefined), files: listed.length };
}

/** A tldr-like documentation tree: one page per command in English and in `languages` translations, plus guides. */
export function writeCommandPages(dir: string, commands = 150, languages = ['zh', 'ro', 'de', 'fr', 'es']): void {
  const words = ['archive', 'compress', 'directory', 'file', 'files', 'disk', 'usage', 'network', 'process', 'search', 'text', 'list', 'show', 'copy', 'remote', 'user', 'system', 'package', 'install', 'image'];
  for (let i = 0; i < commands; i++) {
    const name = `cmd${String.fromCharCode(97 + (i % 26))}${Math.floor(i / 26) || ''}`;
    const about = Array.from({ length: 8 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
    const page = (lang?: string) =>
      `# ${name}\n\n> ${lang ? `(${lang}) ` : ''}${about}.\n\n- ${words[i % words.length]} with ${name}:\n\n\`${name} --${words[(i + 3) % words.length]} {{path}}\`\n` +
      // Translations repeat the command name the way translated pages do (names are not translated).
      (lang ? `\n- ${name} ${name}:\n\n\`${name} ${name}\`\n` : '');
    write(path.join(dir, 'pages', 'common', `${name}.md`), page());
    for (const lang of languages) write(path.join(dir, `pages.${lang}`, 'common', `${name}.md`), page(lang));
  }
  write(path.join(dir, 'README.md'), `# Command pages\n\nOne page per command, in English and ${languages.length} translations.\n`);
  write(path.join(dir, 'contributing', 'style-guide.md'), '# Style guide\n\nHow a command page is written: a title, a summary, examples.\n');
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}
