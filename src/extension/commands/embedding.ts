import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { embedderSettings } from '../config';
import type { Ctx } from '../context';
import { isAbort, requireReady, showError, withProgress } from '../progress';
import { formatCount } from '../../core/format';

/**
 * Applies the embedding settings to every open index, then follows the (re-)embedding under a
 * cancellable progress notification: a new model fills its own vector space while the old one keeps
 * serving. Cancel pauses embedding (Resume Indexing continues it).
 */
export async function applyEmbedderSettings(c: Ctx): Promise<void> {
  const settings = embedderSettings(c.config());
  const lores = c.access.lores();
  const title = settings ? `Lore: embedding with ${settings.model || 'the default model'}…` : 'Lore: turning semantic search off…';
  try {
    await withProgress(title, async (signal, report) => {
      for (const { folder, lore } of lores) {
        try {
          await lore.configureEmbedder(settings);
        } catch (err) {
          c.log(`${folder.name}: configuring the embedder failed: ${errorMessage(err)}`);
        }
      }
      await c.refresh();
      const pending = async () => (await Promise.all(lores.map(async ({ lore }) => (await lore.status()).queue.pending))).reduce((a, b) => a + b, 0);
      const timer = setInterval(() => void pending().then((n) => report(0, 0, `${formatCount(n)} documents left to embed`)), 500);
      try {
        const until = AbortSignal.any([signal, c.access.lifetime]);
        await Promise.all(lores.map(({ lore }) => lore.embeddingIdle(until)));
      } finally {
        clearInterval(timer);
      }
    });
  } catch (err) {
    if (!isAbort(err)) throw err;
    if (c.access.lifetime.aborted) return;
    for (const { lore } of lores) lore.pauseEmbedding();
    void vscode.window.showInformationMessage('Lore: embedding paused. Run "Lore: Resume Indexing" to continue.');
  } finally {
    await c.refresh();
  }
}

export function registerEmbeddingCommands(c: Ctx): vscode.Disposable[] {
  return [
    // lore.recheckEmbedder: checks a degraded embedder now (not at its next back-off) and says what came of it.
    vscode.commands.registerCommand('lore.recheckEmbedder', async () => {
      if (!requireReady(c.access)) return undefined;
      await Promise.all(c.access.lores().map(({ lore }) => lore.recheckEmbedder()));
      const states = (await c.access.status()).map((s) => s.embedder);
      const down = states.find((e) => e.state === 'degraded');
      if (down) void vscode.window.showWarningMessage(`Lore: semantic search is still unavailable: ${down.reason ?? 'the embedder does not answer'}`);
      else void vscode.window.showInformationMessage(states.some((e) => e.state === 'live') ? 'Lore: semantic search is live.' : 'Lore: no embedder is configured (keyword search).');
      await c.refresh();
      return states;
    }),
    // lore.selectEmbeddingModel [model]: lists the models the embedder offers; with a model, sets it without UI.
    vscode.commands.registerCommand('lore.selectEmbeddingModel', async (model?: unknown) => {
      if (!requireReady(c.access)) return undefined;
      const first = c.access.lores()[0];
      let chosen = typeof model === 'string' && model.trim() ? model.trim() : undefined;
      if (!chosen) {
        let models: string[] = [];
        try {
          models = await withProgress('Asking the embedder for its models…', () => first.lore.listModels(), { location: vscode.ProgressLocation.Window });
        } catch (err) {
          showError('cannot list the models', err);
        }
        const current = (await first.lore.status()).embedder.model ?? c.config().embedding.model;
        const items: (vscode.QuickPickItem & { model?: string; settings?: boolean })[] = models.map((m) => ({ label: m, description: m === current ? 'current' : undefined, model: m }));
        if (items.length === 0) items.push({ label: '$(gear) Open embedding settings', detail: 'The embedder offers no models (is it running and is the host right?).', settings: true });
        const pick = await vscode.window.showQuickPick(items, { title: 'Lore: Select Embedding Model', placeHolder: current ? `Current: ${current}` : 'Pick a model' });
        if (pick?.settings) return vscode.commands.executeCommand('workbench.action.openSettings', 'lore.embedding');
        chosen = pick?.model;
      }
      if (!chosen) return undefined;
      // The configuration listener applies it (re-embedding in the shadow of the old model).
      await vscode.workspace.getConfiguration('lore').update('embedding.model', chosen, vscode.ConfigurationTarget.Workspace);
      return chosen;
    }),
  ];
}
