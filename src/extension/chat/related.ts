// @lore on the document open in the editor: a question about "this doc" (or "this page", "links
// here") is answered from what Lore.related finds for the section under the cursor: the section
// itself, the passages most like it in other documents, the lines of other documents that link to
// it and the sections it links to; then, when the question names a topic too, what a search for it
// finds (withSearchResults). Each is a passage with its place, cited like search results.

import * as vscode from 'vscode';
import { linkCount, linkProblem, linkTarget, similarHow } from '../../core/related/format';
import type { LoreAccess } from '../loreAccess';
import { escapeMd } from './format';
import { isMarkdown } from '../views/relatedTree';
import { lineRange, type LocatedPassage, relatedAt } from './retrieve';

const SIMILAR = 6;
const BACKLINKS = 5;
const LINKED = 5;
/** The most lines read of a section a link points at (it ends earlier at the next heading). */
const LINKED_LINES = 20;

export interface OpenFileRetrieved {
  passages: LocatedPassage[];
  /** For the model: what the passages are, and which document "this" is. */
  context: string;
  /** For the user, above the passages when no model answers: what was found. */
  intro: string;
  /** The open document, as the workspace shows it. */
  path: string;
}

const HEADING = /^#{1,6}\s/;

/** The passage of `passages` in the same file whose lines overlap `lines`, if any. */
function overlapping(passages: readonly LocatedPassage[], uri: vscode.Uri, lines: { startLine: number; endLine: number }): LocatedPassage | undefined {
  const key = uri.toString();
  return passages.find((x) => x.uri.toString() === key && x.startLine <= lines.endLine && lines.startLine <= x.endLine);
}

/** Lines startLine.. of `text`, without blank lines at either end, and (`oneSection`) up to the second heading. */
function trimmed(text: string, startLine: number, oneSection: boolean): { text: string; startLine: number; endLine: number } | undefined {
  let lines = text.split('\n');
  if (oneSection) {
    const first = lines.findIndex((l) => HEADING.test(l));
    const next = first === -1 ? -1 : lines.findIndex((l, i) => i > first && HEADING.test(l));
    if (next !== -1) lines = lines.slice(0, next);
  }
  let a = 0;
  let b = lines.length;
  while (a < b && !lines[a].trim()) a++;
  while (b > a && !lines[b - 1].trim()) b--;
  if (a === b) return undefined;
  return { text: lines.slice(a, b).join('\n'), startLine: startLine + a, endLine: startLine + b - 1 };
}

/**
 * The open markdown editor's document and what relates to the section under its cursor, as
 * passages (the open section first); undefined when no markdown file of an indexed folder is open.
 */
export async function retrieveForOpenFile(
  access: LoreAccess,
  token: vscode.CancellationToken,
  editor: vscode.TextEditor | undefined = vscode.window.activeTextEditor,
): Promise<OpenFileRetrieved | undefined> {
  if (!editor || !isMarkdown(editor.document) || editor.document.uri.scheme !== 'file') return undefined;
  const line = editor.selection.active.line + 1;
  const found = await relatedAt(access, editor.document.uri, { line, limit: SIMILAR, linkLimit: 50 }, token);
  if (!found) return undefined;
  const r = found.result;
  const passages: LocatedPassage[] = [];
  const add = async (p: { path: string; startLine: number; endLine: number; headingPath?: string; score?: number }, relation: string, oneSection = false) => {
    const uri = found.uriOf(p.path);
    // Already there (a backlink inside a similar passage): one passage, saying both.
    const known = overlapping(passages, uri, p);
    if (known) {
      if (known.relation && !known.relation.includes(relation)) known.relation += `; ${relation}`;
      return;
    }
    const doc = await access.getDocument(uri, { startLine: p.startLine, endLine: p.endLine });
    const lines = doc && trimmed(doc.text, doc.startLine, oneSection);
    if (!doc || !lines) return;
    passages.push({
      path: found.show(doc.path),
      title: doc.title,
      headingPath: p.headingPath ?? '',
      startLine: lines.startLine,
      endLine: lines.endLine,
      text: lines.text,
      score: p.score ?? 0,
      stale: doc.stale,
      documentType: doc.documentType,
      uri,
      location: new vscode.Location(uri, lineRange(lines.startLine, lines.endLine, lines.text)),
      relation,
    });
  };

  if (r.section) await add({ path: r.path, ...r.section }, 'the open section, where the cursor is');
  for (const p of r.similar.passages) await add(p, 'similar to the open section');
  for (const l of r.linksTo.slice(0, BACKLINKS)) await add({ path: l.path, startLine: l.line, endLine: l.line }, `links to the open document${l.fragment ? ` (#${l.fragment})` : ''}`);
  const linked = r.linksFrom.filter((l) => l.state === 'document' && l.path !== undefined && l.targetLine !== undefined).slice(0, LINKED);
  for (const l of linked) await add({ path: l.path!, startLine: l.targetLine!, endLine: l.targetLine! + LINKED_LINES - 1 }, `the open document links to it (line ${l.line})`, true);

  const shown = found.show(r.path);
  const where = r.section ? ` in section "${r.section.headingPath || r.title}" (lines ${r.section.startLine}-${r.section.endLine})` : '';
  const problems = r.linksFrom.filter((l) => linkProblem(l)).slice(0, 10).map((l) => `line ${l.line} -> ${linkTarget(l, found.show)} (${linkProblem(l)})`);
  const similar = r.similar.method === 'none' ? `no similar passages (${r.similar.reason})` : `passages similar to it in other documents (found ${similarHow(r.similar)})`;
  const context = [
    `The user has ${shown} ("${r.title}") open in the editor, with the cursor at line ${line}${where}. "This document", "this page", "this file" and "here" in the question mean that document.`,
    `Passage [1] is the open section; the others are what Lore found related to it: ${similar}, lines of other documents that link to it (${Math.max(r.linksTo.length, r.linksToTotal ?? 0)} in all), and sections it links to (${Math.max(r.linksFrom.length, r.linksFromTotal ?? 0)} links in all). Each passage says how it relates.`,
    ...(problems.length ? [`Links in the open document that do not reach their target: ${problems.join('; ')}.`] : []),
  ].join('\n');
  const counts = [
    `${r.similar.passages.length} similar${r.similar.method === 'none' ? '' : ` (${escapeMd(similarHow(r.similar, 8))})`}`,
    `${linkCount(r.linksTo.length, r.linksToTotal)} linking here`,
    `${linkCount(r.linksFrom.length, r.linksFromTotal)} linked from it`,
  ].join(', ');
  const section = r.section ? ` in section “${escapeMd(r.section.headingPath || r.title)}” (lines ${r.section.startLine}-${r.section.endLine})` : '';
  return { passages, context, intro: `What relates to \`${shown}\`${section}: ${counts}.`, path: shown };
}

/**
 * A question about the open document that names a topic as well ("what does this doc say about
 * retries?"): what relates to the document first, then the passages a search for the topic found
 * (those it does not hold already), each marked as found by the search.
 */
export function withSearchResults(open: OpenFileRetrieved, searched: readonly LocatedPassage[], topic: string): OpenFileRetrieved {
  const relation = `found by searching for "${topic}"`;
  const extra = searched.filter((p) => !overlapping(open.passages, p.uri, p)).map((p) => ({ ...p, relation }));
  if (!extra.length) return open;
  return {
    ...open,
    passages: [...open.passages, ...extra],
    context: `${open.context}\nAfter them come passages from a search of all the workspace's documents for the question's words (${JSON.stringify(topic)}), each marked "${relation}".`,
    intro: `${open.intro} Then ${extra.length} passage${extra.length === 1 ? '' : 's'} found by searching for “${escapeMd(topic)}”.`,
  };
}
