import { parseMarkdown } from './src/core/markdown/parse';
const show = (t: string, p = 'docs/x.md', o?: any) => { const d = parseMarkdown(t, p, o); console.log(JSON.stringify({ ...d, chunks: d.chunks.map(c => [c.ordinal, c.headingPath, c.startLine, c.endLine, c.text]) }, null, 1)); };
show('\ufeff---\r\ntitle: " Hello "\r\ntags: [x, ADRs]\r\ndate: 2024-01-01\r\n---\r\n# Guide\r\n\r\n## Install **on** `Linux` [docs](x) ##\r\n\r\ntext\r\n\r\n### Deep [ref][r]\r\n\r\n[r]: http://x\r\n');
show('---\nfoo: [unclosed\nbar: 1\n---\n\nSome text\n\nSetext\n======\n\npara\n\n> # quoted\n\n```\n# not a heading\n```\n');
show('# A\n## B\n### C\n');
show('   \n\n  \n');
show('+++\ntitle = "T"\ntags = [\n "plan",\n]\ndraft = true\nn = 1_000\nd = 1979-05-27\nweird = {a=1}\n[params]\nx = \'lit\'\n+++\nbody\n');
show('# H\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[^1]: foot\n');
