/**
 * A deterministic generator of realistic project markdown: front matter, nested headings,
 * paragraphs, lists, fenced code, tables and links, spread over adr/, design/, plans/... folders,
 * with a Zipf-distributed vocabulary so that common and rare words behave as in real text.
 */
import fs from 'node:fs';
import path from 'node:path';

import { seededRandom } from '../src/core/eval/seeded';

/** The seeded PRNG (mulberry32) that known-item evaluation uses too. */
export const rng = seededRandom;

const BASE_WORDS = `the of and to a in is that for it as with be on by this are or from at an which not we can
will should must when each all one more use new data index file search query cache server client model
request response error retry timeout queue worker thread process memory disk storage database table
column row schema migration version release build test deploy pipeline config setting option default
user session token auth permission role policy audit log metric trace alert latency throughput budget
document markdown chunk heading section title summary decision context consequence status proposal
design architecture component module service interface contract api endpoint route handler event
message stream batch job task plan milestone roadmap risk owner review incident postmortem report
sqlite vector embedding semantic keyword ranking fusion score filter freshness watcher sync hash
network latency cluster node replica shard partition consistency transaction commit rollback lock
frontend backend browser extension editor command palette tree view status bar progress cancel
performance benchmark profile regression baseline target goal measure result finding action item`.split(/\s+/);

const SYLLABLES = ['ka', 'lo', 're', 'tan', 'mi', 'sor', 'vel', 'ptu', 'gra', 'nix', 'dor', 'fen', 'qua', 'zel', 'bri', 'mon'];

export function vocabulary(size = 6000, seed = 7): string[] {
  const r = rng(seed);
  const words = new Set(BASE_WORDS);
  while (words.size < size) {
    const n = 2 + Math.floor(r() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/** Picks word indices with a Zipf-like distribution (rank^-1.07). */
function zipfPicker(n: number, r: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, 1.07);
  return () => {
    const x = r() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const FOLDERS: [string, string][] = [
  ['docs/adr', 'adr'], ['docs/design', 'design'], ['docs/specs', 'spec'], ['plans', 'plan'],
  ['reports', 'report'], ['notes', 'note'], ['notes/meetings', 'note'], ['docs', 'note'],
];

export interface GeneratedDoc {
  rel: string;
  text: string;
}

export function* generateCorpus(count: number, seed = 42, vocab = vocabulary()): Generator<GeneratedDoc> {
  const r = rng(seed);
  const pick = zipfPicker(vocab.length, r);
  const word = () => vocab[pick()];
  const words = (n: number) => Array.from({ length: n }, word).join(' ');
  const sentence = () => {
    const s = words(6 + Math.floor(r() * 14));
    return s[0].toUpperCase() + s.slice(1) + '.';
  };
  const paragraph = () => Array.from({ length: 2 + Math.floor(r() * 5) }, sentence).join(' ');
  const title = () => words(2 + Math.floor(r() * 4)).replace(/\b\w/g, (c) => c.toUpperCase());
  const block = (): string => {
    const x = r();
    if (x < 0.55) return paragraph();
    if (x < 0.72) return Array.from({ length: 2 + Math.floor(r() * 6) }, () => `- ${sentence()}`).join('\n');
    if (x < 0.82) return Array.from({ length: 2 + Math.floor(r() * 4) }, (_, i) => `${i + 1}. ${sentence()}`).join('\n');
    if (x < 0.92) {
      const lines = Array.from({ length: 3 + Math.floor(r() * 12) }, () => `    ${word()}_${word()}(${word()}, ${Math.floor(r() * 100)}); // ${words(3)}`);
      return ['```ts', `function ${word()}() {`, ...lines, '}', '```'].join('\n');
    }
    const cols = 2 + Math.floor(r() * 3);
    const row = () => `| ${Array.from({ length: cols }, () => words(1 + Math.floor(r() * 2))).join(' | ')} |`;
    return [row(), `|${' --- |'.repeat(cols)}`, ...Array.from({ length: 2 + Math.floor(r() * 5) }, row)].join('\n');
  };
  for (let i = 0; i < count; i++) {
    const [folder, type] = FOLDERS[Math.floor(r() * FOLDERS.length)];
    const name = `${String(i).padStart(5, '0')}-${word()}-${word()}`;
    const parts: string[] = [];
    const docTitle = title();
    if (r() < 0.5) parts.push(['---', `title: ${docTitle}`, `type: ${type}`, `tags: [${word()}, ${word()}]`, `date: 2026-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 9)}`, '---'].join('\n'));
    parts.push(`# ${docTitle}`, paragraph());
    const sections = 1 + Math.floor(r() * 5);
    for (let s = 0; s < sections; s++) {
      parts.push(`## ${title()}`);
      for (let b = Math.floor(r() * 3); b >= 0; b--) parts.push(block());
      const subs = Math.floor(r() * 3);
      for (let t = 0; t < subs; t++) {
        parts.push(`### ${title()}`);
        for (let b = Math.floor(r() * 3); b >= 0; b--) parts.push(block());
      }
    }
    if (r() < 0.3) parts.push(`See [${title()}](../${word()}.md) and <https://example.com/${word()}>.`);
    yield { rel: `${folder}/${name}.md`, text: parts.join('\n\n') + '\n' };
  }
}

/** Writes a generated corpus under `dir`; returns the number of bytes written. */
export function writeCorpus(dir: string, count: number, seed = 42): number {
  let bytes = 0;
  for (const doc of generateCorpus(count, seed)) {
    const abs = path.join(dir, doc.rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, doc.text);
    bytes += Buffer.byteLength(doc.text);
  }
  return bytes;
}
