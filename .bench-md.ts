import fs from 'node:fs';
import path from 'node:path';
import { parseMarkdown } from './src/core/markdown/parse';
const dir = '/work/shared/corpora/rust-book/src';
const files = fs.readdirSync(dir).filter(f => f.endsWith('.md')).map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')] as const);
const bytes = files.reduce((a, [, t]) => a + Buffer.byteLength(t), 0);
let chunks = 0;
const rates: number[] = [];
for (let round = 0; round < 8; round++) {
  const t0 = performance.now(); chunks = 0;
  for (const [f, t] of files) chunks += parseMarkdown(t, 'src/' + f).chunks.length;
  const dt = (performance.now() - t0) / 1000;
  rates.push(bytes / 1e6 / dt);
}
console.log('files', files.length, 'bytes', bytes, 'chunks', chunks, 'MB/s per round', rates.map(r => r.toFixed(2)).join(' '));
const d = parseMarkdown(files.find(([f]) => f === 'ch06-02-match.md')![1], 'x.md');
console.log(d.title, d.titleSource, d.documentType, d.chunks.length);
for (const c of d.chunks.slice(0, 6)) console.log(c.ordinal, c.headingPath, c.startLine, c.endLine, c.text.length);
