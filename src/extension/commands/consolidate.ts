// "Lore: Consolidate Session": a session's new events become proposed memories (by the chat model
// when one is available and allowed, else taken from the session), which the user reviews (keeps,
// edits, leaves out) before anything is written.
import * as vscode from 'vscode';
import { abandonConsolidation, type ConsolidationProposal, consolidationOf, finishConsolidation, type Proposal, proposeConsolidation } from '../../core/memory/consolidate';
import type { Ctx } from '../context';
import { requireReady, showError } from '../progress';
import { valueFromText } from '../../core/memory/types';
import { workspaceNamespace } from './memory';

export interface ConsolidateArgs {
  sessionId?: string;
  /** A proposal already made (by /consolidate in chat). */
  proposal?: ConsolidationProposal;
  /** Without asking (tests, scripts): which proposals to keep. */
  accept?: 'all' | number[];
  /** Use the chat model (default: when one is available). */
  useModel?: boolean;
}

const valueText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

async function chatModel(): Promise<((prompt: string) => Promise<string>) | undefined> {
  if (typeof vscode.lm?.selectChatModels !== 'function') return undefined;
  const [model] = await vscode.lm.selectChatModels();
  if (!model) return undefined;
  return async (prompt) => {
    const cts = new vscode.CancellationTokenSource();
    try {
      const res = await model.sendRequest([vscode.LanguageModelChatMessage.User(prompt)], { justification: 'Lore proposes what to remember from this session.' }, cts.token);
      let out = '';
      for await (const part of res.text) out += part;
      return out;
    } finally {
      cts.dispose();
    }
  };
}

/** The review: every proposal picked to start with; the pencil edits one's value. */
async function review(proposals: Proposal[], title: string): Promise<Proposal[] | undefined> {
  const edit: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('edit'), tooltip: 'Edit before remembering' };
  type Item = vscode.QuickPickItem & { proposal: Proposal };
  const item = (p: Proposal): Item => ({ label: `${p.namespace} ${p.key}`, description: p.type, detail: `${valueText(p.value)}  (${p.reason})`, proposal: p, buttons: [edit], picked: true });
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = title;
  qp.placeholder = 'Keep the ones to remember (the pencil edits one); Enter writes them';
  qp.canSelectMany = true;
  qp.items = proposals.map(item);
  qp.selectedItems = qp.items;
  return new Promise<Proposal[] | undefined>((resolve) => {
    let editing = false;
    qp.onDidTriggerItemButton(async ({ item: it }) => {
      editing = true;
      const typed = await vscode.window.showInputBox({ title: `Edit ${it.label}`, value: valueText(it.proposal.value), ignoreFocusOut: true });
      editing = false;
      if (typed !== undefined) {
        const changed = item({ ...it.proposal, value: valueFromText(typed) });
        const selected = new Set(qp.selectedItems.map((s) => s.label));
        qp.items = qp.items.map((x) => (x === it ? changed : x));
        qp.selectedItems = qp.items.filter((x) => selected.has(x.label) || x === changed);
      }
      qp.show();
    });
    qp.onDidAccept(() => {
      resolve(qp.selectedItems.map((s) => s.proposal));
      qp.hide();
    });
    qp.onDidHide(() => {
      if (!editing) resolve(undefined);
    });
    qp.show();
  }).finally(() => qp.dispose());
}

export function registerConsolidateCommands(c: Ctx): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('lore.consolidateSession', async (arg?: ConsolidateArgs | string) => {
      const a: ConsolidateArgs = typeof arg === 'string' ? { sessionId: arg } : (arg ?? {});
      if (!requireReady(c.access)) return undefined;
      const sessions = c.access.sessions();
      const memory = c.access.memory();
      if (!sessions || !memory) return undefined;
      let sessionId = a.sessionId;
      if (!sessionId) {
        const list = await sessions.list({ limit: 100 });
        if (!list.length) return void vscode.window.showInformationMessage('Lore: no session history yet to consolidate.');
        const pick = await vscode.window.showQuickPick(list.map((s) => {
          const st = consolidationOf(s.state);
          return { label: s.title || 'Untitled session', description: `${s.eventCount} events · ${st.status}`, id: s.id };
        }), { title: 'Lore: Consolidate Session', placeHolder: 'Which session should become durable memory?' });
        if (!pick) return undefined;
        sessionId = pick.id;
      }
      let run = a.proposal;
      try {
        if (!run) {
          const model = a.useModel === false ? undefined : await chatModel().catch(() => undefined);
          run = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Lore: reading the session for what to remember…' }, () =>
            proposeConsolidation(sessions, memory, sessionId!, { namespace: workspaceNamespace(vscode.workspace.name), model }));
        }
        if (!run.proposals.length) {
          await finishConsolidation(sessions, memory, sessionId, [], run.throughEventId, { by: 'vscode' });
          void vscode.window.showInformationMessage(run.newEvents ? 'Lore: nothing new to remember from this session.' : 'Lore: this session is consolidated already; nothing new since.');
          return { written: 0, proposals: [] };
        }
        const accepted = a.accept === 'all' ? run.proposals : Array.isArray(a.accept) ? a.accept.map((i) => run!.proposals[i]).filter(Boolean)
          : await review(run.proposals, `Lore: Consolidate Session (${run.source === 'model' ? 'proposed by the chat model' : 'taken from the session'})`);
        if (!accepted) {
          await abandonConsolidation(sessions, sessionId, run.before);
          return undefined;
        }
        const written = await finishConsolidation(sessions, memory, sessionId, accepted, run.throughEventId, { by: 'vscode' });
        void vscode.window.showInformationMessage(`Lore remembered ${written} thing${written === 1 ? '' : 's'} from the session.`);
        return { written, proposals: run.proposals };
      } catch (err) {
        if (run) await abandonConsolidation(sessions, sessionId, run.before).catch(() => undefined);
        showError('cannot consolidate the session', err);
        return undefined;
      }
    }),
  ];
}
