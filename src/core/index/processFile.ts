import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseMarkdown } from '../markdown/parse';
import type { ChunkOptions, ParsedDocument } from '../types';
import { errorMessage } from '../errors';

export interface FileJob {
  root: string;
  rel: string;
  maxFileSize: number;
  chunk?: Partial<ChunkOptions>;
  /** The hash already indexed for this path: when the bytes still match, nothing is parsed. */
  knownHash?: string;
  /** Size and mtime the scan saw (what a file failed by the parse pool is recorded with). */
  seen?: { size: number; mtime: number };
}

/** The result for a file that could not be processed within its limits (stamped as the scan saw it). */
export function failedJob(job: FileJob, reason: string): FileResult {
  const { size, mtime } = job.seen ?? { size: 0, mtime: 0 };
  return { rel: job.rel, kind: 'failed', hash: sha256(`${size}:${mtime}`), size, mtime, reason };
}

export type FileResult =
  | { rel: string; kind: 'parsed'; hash: string; size: number; mtime: number; doc: ParsedDocument }
  | { rel: string; kind: 'unchanged'; hash: string; size: number; mtime: number }
  | { rel: string; kind: 'failed'; hash: string; size: number; mtime: number; reason: string; retry?: boolean }
  | { rel: string; kind: 'gone' };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function sha256(data: crypto.BinaryLike): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Why these bytes cannot be indexed as markdown text, or undefined when they can. */
export function rejectContent(bytes: Buffer): string | undefined {
  const nul = bytes.indexOf(0);
  if (nul !== -1) return `binary content, not markdown text (NUL byte at offset ${nul})`;
  try {
    utf8.decode(bytes);
  } catch {
    return `not valid UTF-8 text (invalid byte sequence at offset ${firstInvalidUtf8(bytes)}); save the file as UTF-8`;
  }
  return undefined;
}

/** Offset of the first byte that starts an invalid UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (!len || i + len > bytes.length) return i;
    for (let j = 1; j < len; j++) if ((bytes[i + j] & 0xc0) !== 0x80) return i;
    // Overlong forms, surrogates and code points past U+10FFFF.
    const b1 = bytes[i + 1];
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return i;
    i += len;
  }
  return -1;
}

/** Reads, checks, hashes and parses one file. Never throws: every problem becomes a result. */
export function processFile(job: FileJob): FileResult {
  const abs = path.join(job.root, job.rel);
  let size: number;
  let mtime: number;
  let bytes: Buffer;
  try {
    const st = fs.statSync(abs);
    if (!st.isFile()) return { rel: job.rel, kind: 'gone' };
    size = st.size;
    mtime = Math.trunc(st.mtimeMs);
    if (size > job.maxFileSize) {
      const hash = sha256(`${size}:${mtime}`); // not read: too big to be worth hashing
      return {
        rel: job.rel, kind: 'failed', hash, size, mtime,
        reason: `file is ${formatBytes(size)}, over the ${formatBytes(job.maxFileSize)} limit (raise lore.maxFileSize to index it)`,
      };
    }
    bytes = fs.readFileSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rel: job.rel, kind: 'gone' };
    // Permissions, a busy or failing disk: may clear by itself, so the file is tried again next run.
    const retry = /^(EACCES|EPERM|EBUSY|EIO|EAGAIN|EMFILE|ENFILE|ETIMEDOUT)$/.test(String((err as NodeJS.ErrnoException).code));
    return { rel: job.rel, kind: 'failed', hash: '', size: 0, mtime: 0, reason: `cannot read the file: ${errorMessage(err)}`, retry };
  }
  size = bytes.length;
  const hash = sha256(bytes);
  if (job.knownHash === hash) return { rel: job.rel, kind: 'unchanged', hash, size, mtime };
  const rejected = rejectContent(bytes);
  if (rejected) return { rel: job.rel, kind: 'failed', hash, size, mtime, reason: rejected };
  try {
    const doc = parseMarkdown(bytes.toString('utf8'), job.rel, job.chunk);
    return { rel: job.rel, kind: 'parsed', hash, size, mtime, doc };
  } catch (err) {
    return { rel: job.rel, kind: 'failed', hash, size, mtime, reason: `could not parse the markdown: ${errorMessage(err)}` };
  }
}
