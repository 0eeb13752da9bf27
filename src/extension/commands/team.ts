import * as vscode from 'vscode';
import { formatTeam } from '../../core/format';
import type { Ctx } from '../context';
import { requireReady } from '../progress';

/** The team index's commands (the password's is in secrets.ts). */
export function registerTeamCommands(c: Ctx): vscode.Disposable[] {
  return [
    // lore.reconnectTeamIndex: tries an unreachable team index now (rather than at the next probe) and says what came of it.
    vscode.commands.registerCommand('lore.reconnectTeamIndex', async () => {
      if (!requireReady(c.access)) return undefined;
      await Promise.all(c.access.lores().map(({ lore }) => lore.reconnectTeam()));
      const teams = (await c.access.status()).flatMap((s) => (s.team ? [s.team] : []));
      const down = teams.find((t) => t.using === 'sqlite');
      if (!teams.length) void vscode.window.showInformationMessage('Lore: no team index is configured (lore.storage.backend is sqlite): the index is on this machine.');
      else if (down) void vscode.window.showWarningMessage(`Lore: ${formatTeam(down)}`);
      else void vscode.window.showInformationMessage(`Lore: on the team index (${teams.map(formatTeam).join('; ')}).`);
      await c.refresh();
      return teams;
    }),
  ];
}
