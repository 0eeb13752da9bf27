// The Related view (lore.related) and the broken links of Index Status, on two linked documents
// (test/fixtures/related, copied into the workspace as related/ for this file and removed after):
// guide.md links to other.html#part (the "## Part" heading of other.md, line 7) and to a
// runbook.md that does not exist; other.md links back to guide.md#canary-stage.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { LoreExtensionApi } from '../../src/extension/extension';
import type { RelatedNode } from '../../src/extension/views/relatedTree';
import { relatedItem } from '../../src/extension/views/relatedItems';
import type { RelatedResult } from '../../src/core/related/types';
import type { MergedSearchResponse } from '../../src/extension/loreAccess';
import type { StatusNode } from '../../src/extension/views/statusTree';
import { eventually, loreApi, workspaceRoot } from './extApi';

const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));
const tooltip = (item: vscode.TreeItem) => (typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? ''));

async function items<T>(p: vscode.TreeDataProvider<T>, parent?: T): Promise<{ node: T; item: vscode.TreeItem }[]> {
  const nodes = ((await p.getChildren(parent)) ?? []) as T[];
  return Promise.all(nodes.map(async (node) => ({ node, item: await p.getTreeItem(node) })));
}

async function run(item: vscode.TreeItem): Promise<vscode.TextEditor> {
  assert.ok(item.command, `${label(item)} has a command`);
  await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
  return eventually(() => vscode.window.activeTextEditor, 'an editor is active');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type RelatedFn = (...args: unknown[]) => Promise<unknown>;

/** Makes Lore.related of `lore` wait until released (a slow index), recording what it was asked; restore() undoes it. */
function holdRelated(lore: object): { asked: { path: string; line?: number }[]; release(): void; restore(): void } {
  const target = lore as { related: RelatedFn };
  const original = target.related;
  const asked: { path: string; line?: number }[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  target.related = async (...args) => {
    asked.push({ path: args[0] as string, line: (args[1] as { line?: number } | undefined)?.line });
    await gate;
    return original.apply(lore, args);
  };
  return {
    asked,
    release,
    restore: () => {
      release();
      delete (target as Partial<typeof target>).related;
      if (target.related !== original) target.related = original;
    },
  };
}

describe('Related view', function () {
  let api: LoreExtensionApi;
  let dir: vscode.Uri;
  let documentsBefore = 0;
  let brokenBefore = 0;
  const rel = (p: string) => vscode.Uri.joinPath(dir, p);

  before(async function () {
    this.timeout(60_000);
    api = await loreApi();
    [{ documents: documentsBefore, brokenLinks: brokenBefore }] = await api.access.status();
    dir = vscode.Uri.joinPath(workspaceRoot(), 'related');
    fs.cpSync(path.join(process.env.LORE_TEST_FIXTURES!, 'related'), dir.fsPath, { recursive: true });
    await eventually(async () => (await api.access.getDocument(rel('other.md'))) && (await api.access.getDocument(rel('guide.md'))), 'related/ is indexed', 30_000);
    await eventually(async () => (await api.access.status())[0].brokenLinks === brokenBefore + 1, 'the broken link is counted', 15_000);
    await vscode.commands.executeCommand('lore.related.focus');
  });

  after(async function () {
    this.timeout(30_000);
    if (api?.trees.related.pinned) await vscode.commands.executeCommand('lore.related.unpin');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (dir) fs.rmSync(dir.fsPath, { recursive: true, force: true });
    // The other files of this suite count the fixture's documents: wait until they are back.
    await eventually(async () => {
      const [s] = await api.access.status();
      return s.documents === documentsBefore && s.brokenLinks === brokenBefore && !s.indexing;
    }, 'related/ left the index', 20_000);
  });

  it('with no markdown editor, says so and shows nothing', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await eventually(() => api.trees.related.message && /Open a markdown file/.test(api.trees.related.message), `the empty message (${api.trees.related.message})`);
    assert.deepEqual(await items<RelatedNode>(api.trees.related), []);
  });

  it('follows the markdown editor: Similar (by keywords, why in the tooltip), Links to here with the linking line, Links from here', async () => {
    const doc = await vscode.workspace.openTextDocument(rel('guide.md'));
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(6, 0, 6, 0) }); // line 7, "## Canary stage"
    const shown = await eventually(() => (api.trees.related.shown?.result.path === 'related/guide.md' ? api.trees.related.shown : undefined), 'guide.md is shown');
    assert.equal(shown.result.section?.headingPath, 'Deployment guide > Canary stage');
    assert.equal(api.trees.related.message, undefined);
    assert.match(api.trees.related.description ?? '', /^guide\.md › Canary stage$/);

    const groups = await items<RelatedNode>(api.trees.related);
    assert.deepEqual(groups.map((g) => label(g.item)), ['Similar', 'Links to here', 'Links from here']);
    const [similar, to, from] = groups;
    // No embedder answers in this suite: keyword "more like this", and the tooltip says why.
    assert.equal(similar.item.description, 'by keywords');
    assert.ok(tooltip(similar.item).startsWith(shown.result.similar.reason), tooltip(similar.item));
    assert.match(tooltip(similar.item), /keyword matches on the section's distinctive words/);
    // Every entry is read first: opening one moves the editor, and the view follows it.
    const passages = await items<RelatedNode>(api.trees.related, similar.node);
    const backlinks = await items<RelatedNode>(api.trees.related, to.node);
    const out = await items<RelatedNode>(api.trees.related, from.node);

    assert.ok(passages.length >= 1);
    assert.ok(!passages.some((p) => String(p.item.description).startsWith('related/guide.md')), 'its own document is left out');
    // other.md shares the section's words (canary, traffic, rollout, checklist) in both its sections:
    // which of the two is its best depends on the words of the whole workspace.
    const part = passages.find((p) => /^related\/other\.md:(1|7)$/.test(String(p.item.description)));
    assert.ok(part, `other.md is similar: ${passages.map((p) => p.item.description).join(' | ')}`);
    assert.ok(['Part', 'Operations notes'].includes(label(part.item)), label(part.item));

    // Links to here: the source's title, its line, and the linking line as the preview.
    assert.equal(to.item.description, '1');
    assert.equal(backlinks.length, 1);
    const [back] = backlinks;
    assert.equal(label(back.item), 'Operations notes');
    assert.equal(back.item.description, 'L5: Our [deployment guide](guide.md#canary-stage) explains the canary stage and its traffic share.');
    assert.match(tooltip(back.item), /^related\/other\.md:5 \(to #canary-stage\)/);

    // Links from here: other.html#part reaches other.md at its "## Part" heading; runbook.md is broken.
    assert.equal(from.item.description, '2 · 1 broken');
    assert.deepEqual(out.map((o) => label(o.item)), ['Operations notes', 'runbook.md']);
    const [toPart, broken] = out;
    assert.equal(toPart.item.description, '#part · L8');
    assert.match(tooltip(toPart.item), /^other\.html#part → related\/other\.md:7\n.*\(document\)/);
    assert.equal(broken.item.description, 'broken · L8');
    assert.match(tooltip(broken.item), /\(broken\)/);
    assert.equal((broken.item.iconPath as vscode.ThemeIcon).id, 'error');

    let editor = await run(part.item);
    assert.equal(editor.document.uri.fsPath, rel('other.md').fsPath);
    assert.equal(editor.selection.active.line + 1, Number(String(part.item.description).split(':')[1]), 'a similar passage opens at its first line');
    editor = await run(back.item);
    assert.equal(editor.document.uri.fsPath, rel('other.md').fsPath);
    assert.equal(editor.selection.active.line + 1, 5, 'a backlink opens at its line in the source');
    editor = await run(toPart.item);
    assert.equal(editor.document.uri.fsPath, rel('other.md').fsPath);
    assert.equal(editor.selection.active.line + 1, 7, 'other.html#part opens other.md at the heading line');
    editor = await run(broken.item);
    assert.equal(editor.document.uri.fsPath, rel('guide.md').fsPath);
    assert.equal(editor.selection.active.line + 1, 8, 'a broken link opens where it is written');
  });

  it('moves with the cursor between sections; moving inside one asks nothing', async () => {
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(rel('guide.md')), { selection: new vscode.Range(6, 0, 6, 0) });
    await eventually(() => api.trees.related.shown?.result.section?.startLine === 5 && !api.trees.related.busy, 'the Canary stage section');
    // Counted: the queries the cursor starts (the whole suite's index may also ask the view to look again).
    const queries = api.trees.related.followQueries;
    editor.selection = new vscode.Selection(7, 3, 7, 3); // line 8, same section
    await sleep(600);
    assert.equal(api.trees.related.followQueries, queries, 'no query while the cursor stays in the section');
    editor.selection = new vscode.Selection(11, 0, 11, 0); // line 12, "## Rollback"
    const shown = await eventually(() => (api.trees.related.shown?.result.section?.startLine === 10 ? api.trees.related.shown : undefined), 'the Rollback section');
    assert.equal(shown.result.section?.headingPath, 'Deployment guide > Rollback');
    assert.equal(api.trees.related.followQueries, queries + 1, 'one query for the move (debounced)');
  });

  it('on a slow index: a move within the section being asked about waits for the answer, and does not restart the query', async () => {
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(rel('guide.md')), { selection: new vscode.Range(6, 0, 6, 0) });
    await eventually(() => api.trees.related.shown?.result.section?.startLine === 5 && !api.trees.related.busy, 'the Canary stage section');
    const hold = holdRelated(api.access.lores()[0].lore);
    try {
      const queries = api.trees.related.queries;
      editor.selection = new vscode.Selection(9, 0, 9, 0); // line 10, "## Rollback"
      await eventually(() => hold.asked.some((a) => a.line === 10), 'the query for Rollback is asked');
      // Counted from here: the index of the whole suite may have asked the view to look again
      // before (an earlier test's files settling); while a query is in flight nothing else starts.
      const asked = hold.asked.length;
      editor.selection = new vscode.Selection(11, 5, 11, 5); // line 12, still Rollback
      await sleep(600);
      assert.equal(hold.asked.length, asked, 'the move within the section being asked about does not restart the query');
      assert.ok(!hold.asked.some((a) => a.line === 12));
      assert.equal(api.trees.related.shown?.result.section?.startLine, 5, 'still pending: Canary stage is shown');
      // An index change (throttled to one look a second) does not restart it either: it looks again once answered.
      api.trees.related.indexChanged();
      await sleep(1_300);
      assert.equal(hold.asked.length, asked, 'an index change waits for the answer too');
      hold.release();
      const shown = await eventually(() => (api.trees.related.shown?.result.section?.startLine === 10 && !api.trees.related.busy ? api.trees.related.shown : undefined), 'the Rollback section arrives');
      assert.equal(shown.result.section?.headingPath, 'Deployment guide > Rollback');
      await eventually(() => api.trees.related.queries >= queries + 2 && !api.trees.related.busy, 'the index changed meanwhile: it looks once more');
      assert.equal(api.trees.related.shown?.result.section?.startLine, 10);
    } finally {
      hold.restore();
    }
  });

  it('while the query for another document is pending, the list shown (and where its links open) stays the old document\'s', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(rel('guide.md')), { selection: new vscode.Range(6, 0, 6, 0) });
    await eventually(() => api.trees.related.shown?.result.path === 'related/guide.md' && !api.trees.related.busy, 'guide.md is shown');
    const hold = holdRelated(api.access.lores()[0].lore);
    try {
      // Beside it: guide.md stays on screen, so the view keeps its list until other.md's arrives.
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(rel('other.md')), { viewColumn: vscode.ViewColumn.Beside });
      await eventually(() => hold.asked.some((a) => a.path === 'related/other.md'), 'the query for other.md is asked');
      assert.equal(api.trees.related.shown?.result.path, 'related/guide.md');
      assert.equal(api.trees.related.shown?.uri.fsPath, rel('guide.md').fsPath, 'the shown result keeps its own document');
      const groups = await items<RelatedNode>(api.trees.related);
      const out = await items<RelatedNode>(api.trees.related, groups[2].node);
      const broken = out.find((o) => label(o.item) === 'runbook.md');
      assert.ok(broken, out.map((o) => label(o.item)).join(' | '));
      assert.equal((broken.node as Extract<RelatedNode, { kind: 'outgoing' }>).source.fsPath, rel('guide.md').fsPath);
      assert.equal((broken.item.command?.arguments?.[0] as vscode.Uri).fsPath, rel('guide.md').fsPath, '"Open the link" opens guide.md, where the link is');
      hold.release();
      await eventually(() => api.trees.related.shown?.result.path === 'related/other.md', 'other.md arrives');
      assert.equal(api.trees.related.shown?.uri.fsPath, rel('other.md').fsPath);
    } finally {
      hold.restore();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('a group whose list stops at the link limit says how many there are: "100 of 137"', async () => {
    const capped: RelatedResult = {
      path: 'a.md',
      title: 'A',
      similar: { method: 'none', reason: 'the document has no text', passages: [] },
      linksTo: Array.from({ length: 100 }, (_, i) => ({ path: `n${i}.md`, title: `N${i}`, line: 1, kind: 'inline' as const, text: 'a', context: 'See [a](a.md).', fragment: '' })),
      linksToTotal: 137,
      linksFrom: [],
      linksFromTotal: 0,
      tookMs: 1,
    };
    const to = relatedItem({ kind: 'group', group: 'linksTo' }, capped);
    assert.equal(to.description, '100 of 137');
    assert.match(tooltip(to), /The first 100 of 137 are listed\./);
    assert.equal(relatedItem({ kind: 'group', group: 'linksFrom' }, capped).description, '0');
    assert.equal(relatedItem({ kind: 'group', group: 'linksTo' }, { ...capped, linksToTotal: 100 }).description, '100');
  });

  it('pinned, it keeps its list while another file is active; unpinned, it follows again', async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(rel('guide.md')));
    await eventually(() => api.trees.related.shown?.result.path === 'related/guide.md' && !api.trees.related.busy, 'guide.md is shown');
    await vscode.commands.executeCommand('lore.related.pin');
    assert.ok(api.trees.related.pinned);
    assert.match(api.trees.related.description ?? '', /^Pinned: guide\.md/);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(rel('other.md')));
    await sleep(700);
    assert.equal(api.trees.related.shown?.result.path, 'related/guide.md', 'the pinned list stays');
    const groups = await items<RelatedNode>(api.trees.related);
    const [back] = await items<RelatedNode>(api.trees.related, groups[1].node);
    assert.equal(label(back.item), 'Operations notes', 'still guide.md’s backlinks');
    await vscode.commands.executeCommand('lore.related.unpin');
    assert.ok(!api.trees.related.pinned);
    await eventually(() => api.trees.related.shown?.result.path === 'related/other.md', 'follows other.md once unpinned');
    const [, to] = await items<RelatedNode>(api.trees.related);
    const [fromGuide] = await items<RelatedNode>(api.trees.related, to.node);
    assert.equal(label(fromGuide.item), 'Deployment guide');
    assert.match(String(fromGuide.item.description), /^L8: Follow the \[rollout checklist\]\(other\.html#part\)/);
  });

  it('a markdown file that is not in the index says so', async () => {
    // node_modules is never indexed: the view says the file is not indexed rather than showing nothing.
    const ignored = vscode.Uri.joinPath(dir, 'node_modules', 'pkg', 'README.md');
    fs.mkdirSync(path.dirname(ignored.fsPath), { recursive: true });
    fs.writeFileSync(ignored.fsPath, '# A package\n\nNot indexed: node_modules never is.\n');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(ignored));
    await eventually(() => /related\/node_modules\/pkg\/README\.md is not indexed/.test(api.trees.related.message ?? ''), `the not-indexed message (${api.trees.related.message})`);
    assert.deepEqual(await items<RelatedNode>(api.trees.related), []);
    assert.equal(api.trees.related.shown, undefined);
  });

  it('Lore: Search from an open document ranks what it links to slightly higher, and says so', async () => {
    const linkPrior = async () => {
      const r = (await vscode.commands.executeCommand('lore.search', 'rollout checklist canary dashboards', { mode: 'keyword' })) as MergedSearchResponse;
      const other = r.results.find((x) => x.path === 'related/other.md');
      assert.ok(other, r.results.map((x) => x.path).join(', '));
      return /link prior x1\.050 \(.*the current document links here\)/.test(other.explain?.summary ?? '');
    };
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(rel('guide.md'))); // links to other.html#part
    assert.equal(await linkPrior(), true, 'from guide.md, other.md has the boost');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(await linkPrior(), false, 'with no document open, no boost');
  });

  it('Index Status lists the broken link; it opens at its line', async () => {
    const roots = await items<StatusNode>(api.trees.status);
    const broken = roots.find((r) => /broken link/.test(label(r.item)));
    assert.ok(broken, roots.map((r) => label(r.item)).join(' | '));
    const n = brokenBefore + 1;
    assert.equal(label(broken.item), `${n} broken link${n === 1 ? '' : 's'}`);
    assert.equal(broken.item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const where = (await items<StatusNode>(api.trees.status, broken.node)).find((w) => label(w.item) === 'related/guide.md:8');
    assert.ok(where, 'related/guide.md:8 is listed');
    assert.equal(where.item.description, 'runbook.md');
    assert.match(tooltip(where.item), /Follow the \[rollout checklist\]/);
    const editor = await run(where.item);
    assert.equal(editor.document.uri.fsPath, rel('guide.md').fsPath);
    assert.equal(editor.selection.active.line + 1, 8);
  });
});
