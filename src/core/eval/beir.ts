/**
 * BEIR-format retrieval sets (Thakur et al., 2021): `corpus.jsonl` ({_id, title, text} a line),
 * `queries.jsonl` ({_id, text} a line) and `qrels/*.tsv` (query-id, corpus-id, score; a header
 * line). Loaded whole: the sets this is for (SciFact, NFCorpus, ...) are megabytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LoreError } from '../errors';

export interface BeirDoc {
  id: string;
  title: string;
  text: string;
}

export interface BeirSet {
  docs: BeirDoc[];
  /** Only the queries that have judgements in the chosen qrels file, in file order. */
  queries: Array<{ id: string; text: string }>;
  /** query id -> (document id -> relevance grade > 0). */
  qrels: Map<string, Map<string, number>>;
  qrelsFile: string;
}

function jsonLines(file: string): Array<Record<string, unknown>> {
  if (!fs.existsSync(file)) throw new LoreError('BAD_INPUT', `${file} does not exist (a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/*.tsv)`);
  const out: Array<Record<string, unknown>> = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch (err) {
      throw new LoreError('BAD_INPUT', `${file}:${i + 1} is not JSON: ${(err as Error).message}`);
    }
  });
  return out;
}

/** The qrels file a folder offers when none is named: test, then dev, then the only one. */
export function defaultQrels(dir: string): string | undefined {
  const q = path.join(dir, 'qrels');
  if (!fs.existsSync(q)) return undefined;
  const files = fs.readdirSync(q).filter((f) => f.endsWith('.tsv'));
  for (const name of ['test.tsv', 'dev.tsv']) if (files.includes(name)) return path.join(q, name);
  return files.length === 1 ? path.join(q, files[0]) : undefined;
}

export function readQrels(file: string): Map<string, Map<string, number>> {
  if (!fs.existsSync(file)) throw new LoreError('BAD_INPUT', `qrels file ${file} does not exist`);
  const qrels = new Map<string, Map<string, number>>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const cols = line.trim().split('\t');
    if (cols.length < 3) continue;
    const grade = Number(cols[2]);
    if (!Number.isFinite(grade)) continue; // the header line
    if (grade <= 0) continue;
    let m = qrels.get(cols[0]);
    if (!m) qrels.set(cols[0], (m = new Map()));
    m.set(cols[1], grade);
  }
  if (!qrels.size) throw new LoreError('BAD_INPUT', `${file} has no judgements (expected query-id, corpus-id, score, tab-separated)`);
  return qrels;
}

export function loadBeir(dir: string, qrelsFile?: string): BeirSet {
  const file = qrelsFile ?? defaultQrels(dir);
  if (!file) throw new LoreError('BAD_INPUT', `${dir}/qrels has no test.tsv or dev.tsv: name the judgements with --qrels FILE`);
  const qrels = readQrels(file);
  const docs = jsonLines(path.join(dir, 'corpus.jsonl')).map((o) => ({ id: String(o._id), title: String(o.title ?? ''), text: String(o.text ?? '') }));
  const queries = jsonLines(path.join(dir, 'queries.jsonl'))
    .map((o) => ({ id: String(o._id), text: String(o.text ?? '') }))
    .filter((q) => qrels.has(q.id));
  if (!queries.length) throw new LoreError('BAD_INPUT', `no query in ${dir}/queries.jsonl has a judgement in ${file}`);
  return { docs, queries, qrels, qrelsFile: file };
}

/** A file name for a document id: safe on every file system, and one id one name. */
export function docFileName(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9_.-]/g, (c) => `~${c.codePointAt(0)!.toString(16)}~`);
  return `${safe.startsWith('.') ? `~${safe}` : safe}.md`;
}

/**
 * Writes each document as markdown (`# title`, blank line, text) into `dir`, as a user's notes
 * would be; returns file path (relative) -> document id.
 */
export function writeBeirMarkdown(docs: BeirDoc[], dir: string): Map<string, string> {
  fs.mkdirSync(dir, { recursive: true });
  const byPath = new Map<string, string>();
  for (const d of docs) {
    const name = docFileName(d.id);
    const title = d.title.replace(/\s+/g, ' ').trim();
    fs.writeFileSync(path.join(dir, name), `${title ? `# ${title}\n\n` : ''}${d.text.trim()}\n`);
    byPath.set(name, d.id);
  }
  return byPath;
}
