// Entry point: wires the server manager, commands, the language status item and inline-suggestion
// tracking.

import * as vscode from 'vscode';
import {
  CodeAction,
  CodeActionRequest,
  CodeActionResolveRequest,
  ExecuteCommandRequest,
  LanguageClient,
  ResponseError,
  WorkDoneProgress,
} from 'vscode-languageclient/node';
import { ACCEPT_COMMAND, REJECTED_NOTIFICATION } from './inline';
import { InlineSuggestionTracker } from './inlineTracker';
import { ProgressTracker } from './progressTracker';
import { onInterpreterChanged } from './pythonExtension';
import {
  codeActionParams,
  formatAcceptanceStats,
  pickActions,
  REFINE_COMMANDS,
  RefineCommand,
} from './refineActions';
import { ServerManager } from './serverManager';
import {
  affectsServer,
  modelInUse,
  needsRestart,
  SECTION,
  serverSettings,
  settingSpecs,
} from './settings';
import { createStatusItem } from './statusItem';
import { statusView } from './statusText';

let manager: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const specs = settingSpecs(context.extension.packageJSON);
  const status = createStatusItem();

  const progress = new ProgressTracker(() => updateStatus());
  const tracker = new InlineSuggestionTracker((id) => {
    const client = manager?.client;
    if (!client || !client.isRunning()) return;
    client.sendNotification(REJECTED_NOTIFICATION, { id }).catch((err: unknown) => {
      manager?.log(`reporting rejected suggestion ${id}: ${String(err)}`);
    });
  });
  const mgr = new ServerManager(specs, progress, tracker);
  manager = mgr;

  function updateStatus(): void {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    status.update(
      statusView({
        state: mgr.state,
        model: modelInUse(serverSettings(specs, (k) => cfg.get(k))),
        report: mgr.report,
        busyCount: progress.count,
        detail: mgr.launch?.detail,
        reason: mgr.reason,
      }),
    );
  }

  let clientWork = 0;
  /** Our own long requests show as work in progress too (the server may not report progress). */
  async function withBusy<T>(work: () => Thenable<T>): Promise<T> {
    const token = `client-${++clientWork}`;
    progress.begin(token);
    try {
      return await work();
    } finally {
      progress.end(token);
    }
  }

  context.subscriptions.push(
    status,
    mgr,
    mgr.onDidChangeState(() => updateStatus()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      if (e.affectsConfiguration(`${SECTION}.model`)) mgr.forgetReportedModel();
      updateStatus();
      if (e.affectsConfiguration(`${SECTION}.enable`)) {
        const on = vscode.workspace.getConfiguration(SECTION).get<boolean>('enable') !== false;
        void (on ? mgr.restart('refineLsp.enable was turned on') : mgr.disable());
      } else if (needsRestart((s) => e.affectsConfiguration(s))) {
        void mgr.restart('a setting that needs a new server process changed');
      } else if (affectsServer(specs, (s) => e.affectsConfiguration(s))) {
        mgr.log('settings changed; sent to the server');
      }
    }),
    // Switching editors hides any inline suggestion: it was not accepted.
    vscode.window.onDidChangeActiveTextEditor(() => tracker.dismiss()),
    vscode.workspace.onDidCloseTextDocument((doc) => tracker.left(doc.uri.toString())),
    vscode.commands.registerCommand('refineLsp.openServerLog', () => mgr.output.show(true)),
    vscode.commands.registerCommand('refineLsp.restartServer', () => mgr.restart('the user asked')),
    vscode.commands.registerCommand('refineLsp.installServer', () => mgr.install()),
    vscode.commands.registerCommand('refineLsp.showAcceptanceStats', () => showStats(mgr, withBusy)),
    vscode.commands.registerCommand('refineLsp.dismissInlineSuggestion', async () => {
      const uri = vscode.window.activeTextEditor?.document.uri.toString();
      tracker.dismiss(uri);
      await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
    }),
    vscode.commands.registerCommand(
      ACCEPT_COMMAND,
      async (id: string | undefined, command: string, args: unknown[]) => {
        if (id !== undefined) tracker.accepted(id);
        const client = mgr.client;
        if (!client || !client.isRunning()) return;
        try {
          await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
        } catch (err) {
          mgr.log(`recording accepted suggestion ${id}: ${String(err)}`);
        }
      },
    ),
    ...REFINE_COMMANDS.map((spec) =>
      vscode.commands.registerCommand(spec.command, () => runRefine(mgr, spec, withBusy)),
    ),
  );
  context.subscriptions.push(
    await onInterpreterChanged(() => {
      if (mgr.state === 'disabled') return;
      if (!mgr.launch || mgr.launch.source === 'python' || mgr.state === 'failed') {
        void mgr.restart('the selected Python interpreter changed');
      }
    }, (l) => mgr.log(l)),
  );
  updateStatus();
  await mgr.start();
}

export async function deactivate(): Promise<void> {
  await manager?.stop();
  manager = undefined;
}

type Busy = <T>(work: () => Thenable<T>) => Promise<T>;

async function runRefine(mgr: ServerManager, spec: RefineCommand, withBusy: Busy): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'python') {
    void vscode.window.showInformationMessage(`Refine: open a Python file to use "${spec.title}".`);
    return;
  }
  const client = await mgr.runningClient();
  if (!client) return;
  const doc = editor.document;
  // The loop runs the project's tests on the files on disk. Saving first (and before listing,
  // since save actions change the version the listed action is for).
  if (doc.isDirty && !(await doc.save())) {
    void vscode.window.showWarningMessage(`Refine: save ${doc.fileName} first; "${spec.title}" tests the file on disk.`);
    return;
  }
  const selection = editor.selection;
  const c2p = client.code2ProtocolConverter;
  const diagnostics = await c2p.asDiagnostics(
    vscode.languages.getDiagnostics(doc.uri).filter((d) => d.range.intersection(selection)),
  );
  const params = codeActionParams(c2p.asUri(doc.uri), c2p.asRange(selection), [spec.kind], diagnostics);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Refine: ${spec.title}`, cancellable: true },
    (progress, token) =>
      withBusy(async () => {
        const answer = await client.sendRequest(CodeActionRequest.type, params, token);
        const actions = pickActions(answer, spec.kind);
        if (actions.length === 0) {
          void vscode.window.showInformationMessage(
            `Refine: no "${spec.title}" action here; ${spec.hint}.`,
          );
          return;
        }
        let action: CodeAction | undefined = actions[0];
        if (actions.length > 1) {
          const picked = await vscode.window.showQuickPick(
            actions.map((a) => ({ label: a.title, action: a })),
            { title: spec.title },
          );
          action = picked?.action;
        }
        if (!action || token.isCancellationRequested) return;
        await applyAction(client, action, token, mgr, progress);
      }).catch((err: unknown) => reportActionError(mgr, spec.title, err)),
  );
}

/** LSP error codes (ErrorCodes / LSPErrorCodes). */
const REQUEST_CANCELLED = -32800;
const CONTENT_MODIFIED = -32801;
const REQUEST_FAILED = -32803;

function reportActionError(mgr: ServerManager, title: string, err: unknown): void {
  const code = err instanceof ResponseError ? err.code : undefined;
  mgr.log(`"${title}" failed: ${String(err)}`);
  if (code === REQUEST_CANCELLED) return;
  // The server explains refusals itself (window/showMessage); a second popup would repeat it.
  if (code === REQUEST_FAILED) return;
  if (code === CONTENT_MODIFIED) {
    void vscode.window.showWarningMessage(`Refine: the file changed while "${title}" ran; run it again.`);
    return;
  }
  void vscode.window.showErrorMessage(`Refine: "${title}" failed: ${err instanceof Error ? err.message : String(err)}`);
}

let workDoneSeq = 0;

async function applyAction(
  client: LanguageClient,
  action: CodeAction,
  token: vscode.CancellationToken,
  mgr: ServerManager,
  progress: vscode.Progress<{ message?: string }>,
): Promise<void> {
  const provider = client.initializeResult?.capabilities.codeActionProvider;
  const canResolve = typeof provider === 'object' && provider.resolveProvider === true;
  let resolved = action;
  if (!resolved.edit && canResolve) {
    resolved = await client.sendRequest(CodeActionResolveRequest.type, action, token);
  }
  if (token.isCancellationRequested) return;
  if (resolved.edit) {
    const edit = await client.protocol2CodeConverter.asWorkspaceEdit(resolved.edit);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage(
        `Refine: "${resolved.title}" could not be applied (the file changed meanwhile?).`,
      );
      return;
    }
  }
  if (resolved.command) {
    // Our token: the server's progress messages show in this command's notification (one
    // notification, one Cancel) and spin the status bar through handleWorkDoneProgress.
    const workDoneToken = `refineLsp-${process.pid}-${++workDoneSeq}`;
    const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
      if (value.kind !== 'end' && value.message) progress.report({ message: value.message });
    });
    try {
      const result = await client.sendRequest(
        ExecuteCommandRequest.type,
        { command: resolved.command.command, arguments: resolved.command.arguments, workDoneToken },
        token,
      );
      mgr.log(`${resolved.command.command}: ${JSON.stringify(result)}`);
    } finally {
      listener.dispose();
    }
  }
  if (!resolved.edit && !resolved.command) {
    void vscode.window.showInformationMessage(`Refine: "${resolved.title}" made no change.`);
  }
  mgr.log(`applied "${resolved.title}" (${resolved.kind ?? 'no kind'})`);
}

async function showStats(mgr: ServerManager, withBusy: Busy): Promise<void> {
  const client = await mgr.runningClient();
  if (!client) return;
  try {
    const result = await withBusy(() =>
      client.sendRequest(ExecuteCommandRequest.type, {
        command: 'refineLsp.acceptanceStats',
        arguments: [],
      }),
    );
    const doc = await vscode.workspace.openTextDocument({
      language: 'markdown',
      content: formatAcceptanceStats(result),
    });
    await vscode.window.showTextDocument(doc, { preview: true });
  } catch (err) {
    void vscode.window.showErrorMessage(`Refine: acceptance statistics failed: ${String(err)}`);
  }
}
