/**
 * The 100 benchmark queries: varied the way people type them. Drawn deterministically from the
 * generated corpus's own vocabulary (by frequency rank) and text, so they behave the same on
 * every run: common words, mid-frequency and rare words, two- and three-word queries, quoted
 * phrases taken from the text, and a few words that occur nowhere.
 */
import { generateCorpus, rng, vocabulary } from './corpus';

export interface BenchQuery {
  kind: 'common' | 'mid' | 'rare' | 'two words' | 'three words' | 'phrase' | 'no match';
  text: string;
}

export function benchQueries(seed = 99): BenchQuery[] {
  const vocab = vocabulary();
  const r = rng(seed);
  const pick = (from: number, to: number) => vocab[from + Math.floor(r() * (to - from))];
  const out: BenchQuery[] = [];
  // Common words are the 60 most frequent ones (each in a large share of the chunks).
  for (let i = 0; i < 20; i++) out.push({ kind: 'common', text: i < 10 ? vocab[i * 3] : pick(0, 60) });
  for (let i = 0; i < 18; i++) out.push({ kind: 'mid', text: pick(60, 800) });
  for (let i = 0; i < 18; i++) out.push({ kind: 'rare', text: pick(800, vocab.length) });
  for (let i = 0; i < 16; i++) out.push({ kind: 'two words', text: `${pick(0, i % 2 ? 60 : 400)} ${pick(60, 2000)}` });
  for (let i = 0; i < 12; i++) out.push({ kind: 'three words', text: `${pick(0, 100)} ${pick(0, 800)} ${pick(100, 3000)}` });
  // Phrases: three-word runs from generated paragraphs, quoted.
  const docs = [...generateCorpus(40, seed)];
  for (let i = 0; i < 12; i++) {
    const words = docs[i * 3].text.split('\n\n').find((b) => /^[A-Z][a-z]+ [a-z]+ [a-z]+ [a-z]+/.test(b))?.match(/[a-z]+/gi) ?? [];
    const at = Math.floor(r() * Math.max(1, words.length - 3));
    out.push({ kind: 'phrase', text: `"${words.slice(at, at + 3).join(' ')}"` });
  }
  for (let i = 0; i < 4; i++) out.push({ kind: 'no match', text: `zq${pick(0, 6000)}xv` });
  return out;
}
