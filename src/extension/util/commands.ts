import vscode = require('vscode');
import { ToolCancelledError, ToolError } from '../../tools/errors';
import { showToolError } from './toolFixes';
import { requireTrust } from './trust';

export interface CommandSpec {
  id: string;
  /** The title users see, for messages. */
  title: string;
  /** True when the command runs docker, helm, kubectl or az. */
  runsTools: boolean;
  run: (...args: unknown[]) => unknown;
}

/** Registers a command with the shared guard: workspace trust, then clear error messages. */
export function registerCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, spec: CommandSpec): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(spec.id, async (...args: unknown[]) => {
      if (spec.runsTools && !(await requireTrust(spec.title))) return undefined;
      try {
        return await spec.run(...args);
      } catch (err) {
        if (err instanceof ToolCancelledError) {
          log.info(`${spec.title}: cancelled`);
          void vscode.window.setStatusBarMessage(`${spec.title}: cancelled`, 4000);
          return undefined;
        }
        const message = err instanceof Error ? err.message : String(err);
        log.error(`${spec.title}: ${message}`);
        if (err instanceof ToolError || err instanceof Error) void showToolError(spec.title, err, log);
        return undefined;
      }
    }),
  );
}
