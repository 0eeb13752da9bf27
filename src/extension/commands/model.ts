import * as vscode from 'vscode';
import { DEFAULT_BUILTIN_MODEL } from '../../core/embed/builtin/catalog';
import { describeDownload } from '../../core/embed/builtin/store';
import { formatBytes } from '../../core/format';
import { errorMessage } from '../../core/errors';
import type { Ctx } from '../context';
import { isAbort, requireReady, withProgress } from '../progress';

const mb = formatBytes;
/** globalState key: the user has been asked about this model (once per machine, whatever the answer). */
const asked = (model: string) => `lore.modelOffer.${model}`;

/** The first open index whose built-in model is not on this machine yet, and what its download fetches. */
async function needed(c: Ctx) {
  for (const { folder, lore } of c.access.lores()) {
    const download = (await lore.status()).embedder.download;
    if (download) return { folder, lore, download };
  }
  return undefined;
}


/**
 * Downloads the built-in model with progress in a notification (Cancel keeps what came, and the
 * next download continues it), then checks every folder's embedder again so semantic search starts.
 */
async function download(c: Ctx): Promise<boolean> {
  if (!requireReady(c.access)) return false;
  const need = await needed(c);
  if (!need) {
    void vscode.window.showInformationMessage('Lore: the built-in model is already on this machine (or lore.embedding.provider does not use it).');
    return false;
  }
  const d = need.download;
  try {
    await withProgress(`Lore: downloading ${d.model}`, async (signal, report) => {
      await need.lore.downloadModel({ signal, onProgress: (p) => report(p.received, p.total, `${mb(p.received)} of ${mb(p.total)}${p.resumed ? ' (resumed)' : ''}`) });
    });
  } catch (err) {
    if (isAbort(err) || (err as { kind?: string }).kind === 'aborted') {
      void vscode.window.showInformationMessage('Lore: download cancelled; what was downloaded is kept and the next download continues from there.');
      return false;
    }
    c.log(`downloading ${d.model} failed: ${errorMessage(err)}`);
    const again = await vscode.window.showErrorMessage(`Lore: downloading ${d.model} failed: ${errorMessage(err)}`, 'Try Again', 'Use a Model Folder');
    if (again === 'Try Again') return download(c);
    if (again === 'Use a Model Folder') void vscode.commands.executeCommand('workbench.action.openSettings', 'lore.embedding.modelPath');
    return false;
  } finally {
    await c.refresh();
  }
  // The files are shared: every other folder checks its embedder again and finds them.
  await Promise.all(c.access.lores().filter((l) => l.lore !== need.lore).map(({ lore }) => lore.recheckEmbedder()));
  await c.refresh();
  c.log(`downloaded ${d.model} into the extension's global storage`);
  return true;
}

/**
 * The consent notification: shown once per model and machine, when an index first needs the
 * built-in model, saying what would be downloaded, how big, from where and under which licence.
 * Declining leaves keyword search; Index Status keeps a "Download" entry for later.
 */
async function offer(c: Ctx): Promise<void> {
  const configured = c.config().embedding.builtinModel || DEFAULT_BUILTIN_MODEL;
  if (c.extension.globalState.get(asked(configured))) return; // asked before: nothing to look up
  const need = await needed(c);
  if (!need) return;
  const d = need.download;
  const state = c.extension.globalState;
  if (state.get(asked(d.model))) return;
  await state.update(asked(d.model), new Date().toISOString());
  const choice = await vscode.window.showInformationMessage(
    `Lore: semantic search can run on this machine with the built-in model ${describeDownload(d)}. Download it now? It is stored once for all workspaces; your documents never leave this machine.`,
    'Download', 'Not Now', 'About the Model',
  );
  if (choice === 'Download') await download(c);
  else if (choice === 'About the Model') void vscode.env.openExternal(vscode.Uri.parse(d.homepage));
}

export function registerModelCommands(c: Ctx): vscode.Disposable[] {
  let offering: Promise<void> | undefined;
  const check = () => {
    offering ??= offer(c).catch((err) => c.log(`the model offer failed: ${errorMessage(err)}`)).finally(() => (offering = undefined));
  };
  return [
    // lore.downloadModel: downloads the built-in embedding model (after the user asked for it: this command or the offer).
    vscode.commands.registerCommand('lore.downloadModel', () => download(c)),
    c.access.onDidChange(check),
  ];
}
