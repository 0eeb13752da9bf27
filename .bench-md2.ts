import fs from 'node:fs';
import path from 'node:path';
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkFrontmatter from 'remark-frontmatter';
import { parseMarkdown } from './src/core/markdown/parse';
const DIS = ['attention','autolink','characterEscape','characterReference','codeText','hardBreakEscape','htmlText','labelStartImage','labelStartLink','labelEnd','hardBreakTrailing'];
function blockOnly(this: any) { const d = this.data(); (d.micromarkExtensions ||= []).push({ disable: { null: DIS } }); }
const p = unified().use(remarkParse).use(remarkFrontmatter, ['yaml','toml']).use(blockOnly);
const dir = '/work/shared/corpora/rust-book/src';
const files = fs.readdirSync(dir).filter(f => f.endsWith('.md')).map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')] as const);
const bytes = files.reduce((a, [, t]) => a + Buffer.byteLength(t), 0);
for (let round = 0; round < 10; round++) {
  let c0 = process.cpuUsage(); let t0 = performance.now();
  for (const [, t] of files) p.parse(t);
  const a = bytes / 1e6 / ((performance.now() - t0) / 1000); let c = process.cpuUsage(c0); const ac = bytes / (c.user + c.system);
  c0 = process.cpuUsage(); t0 = performance.now();
  for (const [f, t] of files) parseMarkdown(t, 'src/' + f);
  const b = bytes / 1e6 / ((performance.now() - t0) / 1000); c = process.cpuUsage(c0); const bc = bytes / (c.user + c.system);
  console.log("raw wall", a.toFixed(2), "cpu", ac.toFixed(2), " parseMarkdown wall", b.toFixed(2), "cpu", bc.toFixed(2));
}
