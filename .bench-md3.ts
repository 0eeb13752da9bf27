import fs from 'node:fs';
import path from 'node:path';
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
const ip = unified().use(remarkParse).use(remarkGfm);
const dir = '/work/shared/corpora/rust-book/src';
const files = fs.readdirSync(dir).filter(f => f.endsWith('.md')).map(f => fs.readFileSync(path.join(dir, f), 'utf8'));
const hs = files.flatMap(t => t.split('\n').filter(l => /^#{1,6} /.test(l)));
const need = hs.filter(h => /[\\`*_[\]<&~]/.test(h));
console.log('headings', hs.length, 'need inline', need.length);
for (let r = 0; r < 5; r++) {
  let c0 = process.cpuUsage(); for (const h of need) ip.parse(h); let c = process.cpuUsage(c0);
  const one = (c.user + c.system) / 1000;
  c0 = process.cpuUsage(); ip.parse(need.join('\n\n')); c = process.cpuUsage(c0);
  console.log('per-heading ms', one.toFixed(1), 'batched ms', ((c.user + c.system) / 1000).toFixed(1));
}
