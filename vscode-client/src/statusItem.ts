// The language status item: shown in the `{}` hover of Python files (pinnable to the status bar)
// instead of an always-visible status bar item; an error or warning state marks the `{}` too.

import * as vscode from 'vscode';
import { StatusView } from './statusText';

const SEVERITY = {
  information: vscode.LanguageStatusSeverity.Information,
  warning: vscode.LanguageStatusSeverity.Warning,
  error: vscode.LanguageStatusSeverity.Error,
};

export function createStatusItem(): { update(view: StatusView): void } & vscode.Disposable {
  const item = vscode.languages.createLanguageStatusItem('refineLsp.status', [
    { language: 'python', scheme: 'file' },
    { language: 'python', scheme: 'untitled' },
  ]);
  item.name = 'Refine LSP';
  return {
    update(view) {
      item.text = view.text;
      item.detail = view.detail;
      item.severity = SEVERITY[view.severity];
      item.busy = view.busy;
      item.command = view.command;
      item.accessibilityInformation = { label: `${view.text.replace(/\$\([^)]*\)\s*/g, '')}: ${view.detail}` };
    },
    dispose: () => item.dispose(),
  };
}
