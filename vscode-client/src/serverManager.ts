// Owns the LanguageClient: finds the server, starts it, restarts it on crashes (bounded) and on
// settings that need a new process. Start/stop/restart run one at a time through a queue so a
// burst of settings changes cannot start two servers.

import * as os from 'os';
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  Executable,
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  RevealOutputChannelOn,
  State,
} from 'vscode-languageclient/node';
import { discoverServer, expandArgs, expandPath, ServerLaunch } from './discovery';
import { InlineSuggestionTracker } from './inlineTracker';
import { provideInlineCompletionItems } from './inline';
import { ProgressTracker } from './progressTracker';
import { nodeDiscoveryHost } from './pythonProbe';
import { selectedPythonCommand } from './pythonExtension';
import { RestartPolicy } from './restartPolicy';
import {
  didChangeConfigurationParams,
  initializationOptions,
  sanitizeConfiguration,
  SECTION,
  SettingSpec,
} from './settings';
import { ServerState } from './statusText';

export const CLIENT_ID = 'refineLsp';
export const CLIENT_NAME = 'Refine LSP';

/** The start failure is reported by ServerManager with the fixes; the library's popup would repeat it. */
const START_FAILED = /couldn't create connection to server/;

type StartPromise = [Promise<void>, () => void, (error: unknown) => void];

class RefineClient extends LanguageClient {
  constructor(...args: ConstructorParameters<typeof LanguageClient>) {
    super(...args);
    // vscode-languageclient 9: when the connection closes during start, handleConnectionClosed
    // drops the start promise before start() rejects it, so nobody handles that rejection.
    // Mark it handled here; doStart checks isRunning() after start() instead.
    const self = this as unknown as { createOnStartPromise(): StartPromise };
    const create = self.createOnStartPromise.bind(this);
    self.createOnStartPromise = () => {
      const made = create();
      made[0].catch(() => undefined);
      return made;
    };
  }

  override error(message: string, data?: unknown, showNotification?: boolean | 'force'): void {
    super.error(message, data, START_FAILED.test(message) ? false : showNotification);
  }

  // When initialize fails, vscode-languageclient 9 calls `void this.stop()` on a client that
  // is still starting, which rejects and would surface as an unhandled rejection.
  override async stop(timeout?: number): Promise<void> {
    try {
      await super.stop(timeout);
    } catch (err) {
      if (!/can't be stopped/.test(String(err))) throw err;
      this.info(`stop ignored: ${String(err)}`);
    }
  }
}

export class ServerManager implements vscode.Disposable {
  client: LanguageClient | undefined;
  launch: ServerLaunch | undefined;
  state: ServerState = 'stopped';
  readonly output: vscode.OutputChannel;
  private queue: Promise<void> = Promise.resolve();
  /** Whether the current process got to Running: a crash while starting is not retried. */
  private reachedRunning = false;
  /** doStart reports its own start failures; the crash handler reports the others. */
  private inDoStart = false;
  private readonly policy = new RestartPolicy();
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(
    private readonly specs: readonly SettingSpec[],
    private readonly progress: ProgressTracker,
    private readonly inline: InlineSuggestionTracker,
  ) {
    this.output = vscode.window.createOutputChannel(CLIENT_NAME);
  }

  log(line: string): void {
    this.output.appendLine(`[client ${new Date().toISOString()}] ${line}`);
  }

  private setState(state: ServerState): void {
    this.state = state;
    this.stateEmitter.fire(state);
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(job, job).catch((err) => this.log(`error: ${String(err)}`));
    return this.queue;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(reason: string): Promise<void> {
    return this.enqueue(async () => {
      this.log(`restarting: ${reason}`);
      this.policy.reset();
      await this.doStop();
      await this.doStart();
    });
  }

  /** The client once it is running, or undefined with the reason shown to the user. */
  async runningClient(): Promise<LanguageClient | undefined> {
    await this.queue;
    if (this.client && this.client.state === State.Running) return this.client;
    const choice = await vscode.window.showErrorMessage(
      'The refine-lsp server is not running.',
      'Restart Server',
      'Open Log',
    );
    if (choice === 'Restart Server') void this.restart('user asked');
    if (choice === 'Open Log') this.output.show(true);
    return undefined;
  }

  private settingsGetter(): (key: string) => unknown {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    return (key) => cfg.get(key);
  }

  private async doStart(): Promise<void> {
    this.setState('starting');
    const folder = vscode.workspace.workspaceFolders?.[0];
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const where = { home: os.homedir(), workspaceFolder: folder?.uri.fsPath };
    const settingPath = expandPath(cfg.get<string>('server.path') ?? '', where);
    const pythonCommand = await selectedPythonCommand(folder?.uri, (l) => this.log(l));
    const found = await discoverServer(
      {
        settingPath,
        extraArgs: expandArgs(cfg.get<string[]>('server.args') ?? [], where),
        pythonCommand,
        env: process.env,
        platform: process.platform,
      },
      nodeDiscoveryHost,
    );
    for (const line of found.tried) this.log(`discovery: ${line}`);
    if (!found.ok) {
      this.launch = undefined;
      this.setState('failed');
      this.log(found.message);
      void this.showStartError(found.message);
      return;
    }
    this.launch = found.launch;
    this.log(`starting (from ${found.launch.detail}): ${[found.launch.command, ...found.launch.args].join(' ')}`);

    const client = this.createClient(found.launch, folder);
    this.client = client;
    this.inDoStart = true;
    let failure: string | undefined;
    try {
      await client.start();
      // start() can resolve although the process died meanwhile (vscode-languageclient 9).
      if (!client.isRunning()) failure = 'it exited while starting';
    } catch (err) {
      failure = String(err);
    } finally {
      this.inDoStart = false;
    }
    if (failure === undefined) {
      this.setState('running');
      return;
    }
    this.setState('failed');
    this.log(`the server did not start: ${failure}`);
    void this.showStartError(
      `The refine-lsp server (from ${found.launch.detail}) did not start: ${failure}. ` +
        'Its output is in the log.',
    );
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.inline.forgetAll();
    if (client) {
      try {
        if (client.needsStop()) await client.stop(5_000);
      } catch (err) {
        this.log(`stopping the server: ${String(err)}`);
      }
      await client.dispose().catch(() => undefined);
    }
    this.progress.clear();
    this.setState('stopped');
  }

  private async showStartError(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(
      message,
      'Open Settings',
      'Select Interpreter',
      'Open Log',
    );
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.server`);
    } else if (choice === 'Select Interpreter') {
      await vscode.commands.executeCommand('python.setInterpreter');
    } else if (choice === 'Open Log') {
      this.output.show(true);
    }
  }

  private createClient(
    launch: ServerLaunch,
    folder: vscode.WorkspaceFolder | undefined,
  ): LanguageClient {
    const server: Executable = {
      command: launch.command,
      args: launch.args,
      options: { cwd: folder?.uri.fsPath, env: { ...process.env } },
    };
    const specs = this.specs;
    let client: LanguageClient | undefined = undefined;
    const options: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'python' },
        { scheme: 'untitled', language: 'python' },
      ],
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // Read at each (re)start, so a crash restart picks up the current settings.
      initializationOptions: () => initializationOptions(specs, this.settingsGetter()),
      synchronize: { configurationSection: SECTION },
      // Report a failed initialize ourselves (doStart / closed) instead of a bare popup.
      initializationFailedHandler: (error) => {
        this.log(`initialize failed: ${String(error)}`);
        return false;
      },
      errorHandler: {
        // Write errors follow a dying server; `closed` decides what happens, so no popups here.
        error: (error, _message, count) => {
          this.log(`connection error: ${String(error)}`);
          return {
            action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
            handled: true,
          };
        },
        closed: () => {
          this.progress.clear();
          this.inline.forgetAll();
          if (!this.reachedRunning) {
            // It never initialized: starting it again would fail the same way.
            const message = `The refine-lsp server (from ${launch.detail}) exited while starting.`;
            this.log(message);
            // During doStart, doStart reports it (with the fixes).
            if (!this.inDoStart && this.state !== 'failed') {
              void this.showStartError(`${message} Its output is in the log.`);
            }
            this.setState('failed');
            return { action: CloseAction.DoNotRestart, handled: true };
          }
          const decision = this.policy.onCrash();
          this.log(decision.message);
          if (decision.restart) {
            this.reachedRunning = false;
            this.setState('starting');
            return { action: CloseAction.Restart, handled: true };
          }
          this.setState('failed');
          void this.showStartError(decision.message);
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      middleware: {
        workspace: {
          // The server rejects keys it does not know; send it only its own settings.
          configuration: async (params, token, next) => {
            const answer = await next(params, token);
            if (answer instanceof ResponseError || !Array.isArray(answer)) return answer;
            return params.items.map((item, i) =>
              sanitizeConfiguration(specs, item.section, answer[i]),
            );
          },
          didChangeConfiguration: async () => {
            if (!client || client.state !== State.Running) return;
            try {
              await client.sendNotification(
                DidChangeConfigurationNotification.type,
                didChangeConfigurationParams(specs, this.settingsGetter()),
              );
            } catch (err) {
              // The server is going away (restart, crash); the next one reads the settings anew.
              this.log(`settings not sent: ${String(err)}`);
            }
          },
        },
        handleWorkDoneProgress: (token, params, next) => {
          this.progress.handle(token, params);
          next(token, params);
        },
        provideInlineCompletionItems: (document, position, context, token, next) =>
          provideInlineCompletionItems(this.inline, document, position, context, token, next),
      },
    };
    client = new RefineClient(CLIENT_ID, CLIENT_NAME, server, options);
    // Inline completions are an LSP 3.18 (proposed) feature in vscode-languageclient 9.
    client.registerProposedFeatures();
    this.reachedRunning = false;
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) {
        this.reachedRunning = true;
        this.setState('running');
      }
      if (e.newState === State.Stopped) this.progress.clear();
    });
    return client;
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.output.dispose();
    this.stateEmitter.dispose();
  }
}
