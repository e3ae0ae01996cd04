// "Install refine-lsp": `python -m pip install refine-lsp` in the selected interpreter, with its
// output in the log and a cancellable progress notification.

import { execFile } from 'child_process';
import * as vscode from 'vscode';
import { pipInstallCommand } from './discovery';

/** Whether pip succeeded. */
export function installServer(pythonCommand: readonly string[], log: (line: string) => void): Promise<boolean> {
  const { command, args } = pipInstallCommand(pythonCommand);
  log(`installing: ${[command, ...args].join(' ')}`);
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Installing refine-lsp', cancellable: true },
      (_progress, token) =>
        new Promise<boolean>((resolve) => {
          const child = execFile(command, args, { maxBuffer: 16 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
            for (const text of [stdout, stderr]) if (text.trim()) log(text.trimEnd());
            log(error ? `pip failed: ${error.message.split('\n')[0]}` : 'pip finished');
            resolve(!error);
          });
          token.onCancellationRequested(() => child.kill());
        }),
    ),
  );
}
