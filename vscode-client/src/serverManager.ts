// Owns the LanguageClient: finds the server, starts it, and restarts it whenever its connection
// ends on its own, however it ends (process exit, connection closed, repeated write errors, the
// library stopping the client): bounded retries with backoff, then an error with "Restart
// Server" and "Show Log". Restarts never go through vscode-languageclient's own restart, which
// skips errorHandler.closed() after ErrorAction.Shutdown; each start builds a new client and
// spawns a new process. Start/stop/restart run one at a time through a queue so a burst of
// settings changes cannot start two servers.

import * as os from 'os';
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  RevealOutputChannelOn,
  State,
} from 'vscode-languageclient/node';
import { discoverServer, expandArgs, expandPath, ServerLaunch } from './discovery';
import { InlineSuggestionTracker } from './inlineTracker';
import { provideInlineCompletionItems } from './inline';
import { installServer } from './install';
import { ProgressTracker } from './progressTracker';
import { nodeDiscoveryHost } from './pythonProbe';
import { selectedPythonCommand } from './pythonExtension';
import { formatDelay, RestartPolicy } from './restartPolicy';
import { killServer, spawnServer, SpawnedServer } from './serverProcess';
import { mergeReport, ServerReport, STATUS_NOTIFICATION } from './serverStatus';
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
export const RESTART = 'Restart Server';
export const SHOW_LOG = 'Show Log';
export const INSTALL = 'Install refine-lsp';

/** A server that never answers initialize is given up on after this long. */
const START_TIMEOUT_MS = 60_000;
/** How long a closed connection waits for the process exit that usually follows it. */
const EXIT_GRACE_MS = 3_000;

/** The start failure is reported by ServerManager with the fixes; the library's popup would repeat it. */
const START_FAILED = /couldn't create connection to server/;

type StartPromise = [Promise<void>, () => void, (error: unknown) => void];

class RefineClient extends LanguageClient {
  constructor(...args: ConstructorParameters<typeof LanguageClient>) {
    super(...args);
    // vscode-languageclient 9: when the connection closes during start, handleConnectionClosed
    // drops the start promise before start() rejects it, so nobody handles that rejection.
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

  // vscode-languageclient 9 calls `void this.stop()` on a client that is still starting (failed
  // initialize), which rejects and would surface as an unhandled rejection.
  override async stop(timeout?: number): Promise<void> {
    try {
      await super.stop(timeout);
    } catch (err) {
      if (!/can't be stopped/.test(String(err))) throw err;
      this.info(`stop ignored: ${String(err)}`);
    }
  }
}

/** One client and its process, from start to end. */
interface Session {
  client: LanguageClient;
  launch: ServerLaunch;
  server?: SpawnedServer;
  /** Set once start() resolved with the client running. */
  running: boolean;
  /** We are stopping it: its end is not a crash. */
  deliberate: boolean;
  /** Why it ended, once it did. */
  ended?: string;
  /** Resolves with `ended` when it ends. */
  endedSignal: Promise<string>;
  signalEnd: (why: string) => void;
}

export class ServerManager implements vscode.Disposable {
  client: LanguageClient | undefined;
  launch: ServerLaunch | undefined;
  state: ServerState = 'stopped';
  /** Why it is restarting or not running, one line for the status item. */
  reason: string | undefined;
  /** What the running server last reported about itself ($/refineLsp/status). */
  report: ServerReport = {};

  /** A model setting changed: show it from the settings until the server reports on it. */
  forgetReportedModel(): void {
    const { model: _model, modelError: _error, ...rest } = this.report;
    this.report = rest;
  }
  readonly output: vscode.OutputChannel;
  private queue: Promise<void> = Promise.resolve();
  private session: Session | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
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

  private setState(state: ServerState, reason?: string): void {
    this.state = state;
    this.reason = reason;
    this.stateEmitter.fire(state);
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(job, job).catch((err) => this.log(`error: ${String(err)}`));
    return this.queue;
  }

  private cancelRecovery(): void {
    if (this.recoveryTimer) clearTimeout(this.recoveryTimer);
    this.recoveryTimer = undefined;
  }

  private enabled(): boolean {
    return vscode.workspace.getConfiguration(SECTION).get<boolean>('enable') !== false;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart(false));
  }

  stop(): Promise<void> {
    this.cancelRecovery();
    return this.enqueue(() => this.doStop());
  }

  /** refineLsp.enable turned off: stop the server and say so in the status. */
  disable(): Promise<void> {
    this.cancelRecovery();
    return this.enqueue(() => this.doStop('disabled'));
  }

  restart(reason: string): Promise<void> {
    this.cancelRecovery();
    return this.enqueue(async () => {
      this.log(`restarting: ${reason}`);
      this.policy.reset();
      await this.doStop();
      await this.doStart(false);
    });
  }

  /** The client once it is running, or undefined with the reason shown to the user. */
  async runningClient(): Promise<LanguageClient | undefined> {
    await this.queue;
    if (this.client && this.client.state === State.Running) return this.client;
    if (this.state === 'disabled') {
      void this.offer('The refine-lsp server is disabled (refineLsp.enable).', []);
    } else {
      void this.offer('The refine-lsp server is not running.', [RESTART, SHOW_LOG]);
    }
    return undefined;
  }

  /** Shows an error with buttons and does what the chosen one says. */
  private async offer(message: string, items: string[], installInto?: string[]): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, ...items);
    if (choice === RESTART) await this.restart('the user asked');
    else if (choice === SHOW_LOG) this.output.show(true);
    else if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.server`);
    } else if (choice === 'Select Interpreter') {
      await vscode.commands.executeCommand('python.setInterpreter');
    } else if (choice === INSTALL && installInto) {
      await this.install(installInto);
    }
  }

  /** pip-installs refine-lsp into `python` (default: the selected interpreter), then restarts. */
  async install(python?: string[]): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    python ??= await selectedPythonCommand(folder?.uri, (l) => this.log(l));
    if (!python) {
      void this.offer('Refine: select a Python interpreter to install refine-lsp into.', ['Select Interpreter']);
      return;
    }
    if (await installServer(python, (l) => this.log(l))) {
      await this.restart('refine-lsp was installed');
    } else {
      void this.offer('Installing refine-lsp failed; the pip output is in the log.', [SHOW_LOG, 'Select Interpreter']);
    }
  }

  private settingsGetter(): (key: string) => unknown {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    return (key) => cfg.get(key);
  }

  /** `recovering`: a restart after a crash, whose failure counts as one more crash. */
  private async doStart(recovering: boolean): Promise<void> {
    if (!this.enabled()) {
      this.log('not started: refineLsp.enable is off');
      this.setState('disabled');
      return;
    }
    this.setState(recovering ? 'restarting' : 'starting', recovering ? this.reason : undefined);
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
      this.setState('failed', 'refine-lsp not found');
      this.log(found.message);
      const items = [SHOW_LOG, 'Open Settings', 'Select Interpreter'];
      void this.offer(found.message, found.installInto ? [INSTALL, ...items] : items, found.installInto);
      return;
    }
    this.launch = found.launch;
    this.report = {};
    this.log(`starting (from ${found.launch.detail}): ${[found.launch.command, ...found.launch.args].join(' ')}`);

    const session = this.createSession(found.launch, folder);
    this.session = session;
    this.client = session.client;
    let timer: NodeJS.Timeout | undefined;
    let failure: string | undefined;
    try {
      failure = await Promise.race([
        session.client.start().then(() => undefined),
        session.endedSignal.then((why) => `it ${why} while starting`),
        new Promise<string>((r) => {
          timer = setTimeout(() => r(`it did not answer initialize in ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
        }),
      ]);
      // start() can resolve although the process died meanwhile (vscode-languageclient 9).
      if (failure === undefined && session.ended) failure = `it ${session.ended} while starting`;
      if (failure === undefined && !session.client.isRunning()) failure = 'it stopped while starting';
    } catch (err) {
      failure = String(err);
    } finally {
      clearTimeout(timer);
    }
    if (failure === undefined) {
      session.running = true;
      this.setState('running');
      return;
    }
    session.ended ??= failure;
    await this.doStop(recovering ? 'restarting' : 'failed', failure);
    this.log(`the server did not start: ${failure}`);
    if (recovering) {
      this.crashed(`did not start again: ${failure}`);
      return;
    }
    void this.offer(
      `The refine-lsp server (from ${found.launch.detail}) did not start: ${failure}. ` +
        'Its output is in the log.',
      [SHOW_LOG, 'Open Settings', 'Select Interpreter'],
    );
  }

  private async doStop(final: ServerState = 'stopped', reason?: string): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.client = undefined;
    this.inline.forgetAll();
    if (session) {
      session.deliberate = true;
      const { client } = session;
      try {
        if (!session.ended && client.needsStop()) await client.stop(5_000);
      } catch (err) {
        this.log(`stopping the server: ${String(err)}`);
      }
      await client.dispose().catch(() => undefined);
      await killServer(session.server);
    }
    this.progress.clear();
    this.report = {};
    this.setState(final, reason);
  }

  /**
   * The connection of `session` ended, whichever way. Called from every place that can notice
   * it; only the first call for a session counts.
   */
  private ended(session: Session, why: string): void {
    if (session.ended || session.deliberate) return;
    session.ended = why;
    session.signalEnd(why);
    this.log(`the server ${why}`);
    if (session !== this.session) return;
    this.progress.clear();
    this.inline.forgetAll();
    // While starting, doStart sees endedSignal and reports it.
    if (session.running) this.crashed(why);
  }

  /**
   * Like `ended`, but the process exit wins when it follows (it says more: code or signal). The
   * pipe closes before the exit is reaped, and on a busy machine the two can be seconds apart;
   * the exit ends the session at once, so the grace only delays a process that really lives on.
   */
  private endedSoon(session: Session, why: string): void {
    if (session.ended || session.deliberate) return;
    setTimeout(() => this.ended(session, why), EXIT_GRACE_MS);
  }

  /** A running server went away: restart it after a delay, or give up and say so. */
  private crashed(why: string): void {
    const decision = this.policy.onCrash();
    this.log(decision.message);
    const dead = this.session;
    if (decision.restart) {
      const reason = `${why}; restart ${decision.crashes} of ${this.policy.maxRestarts} in ${formatDelay(decision.delayMs)}`;
      this.setState('restarting', reason);
      this.cancelRecovery();
      this.recoveryTimer = setTimeout(() => {
        this.recoveryTimer = undefined;
        void this.enqueue(async () => {
          // A deliberate restart or stop came first.
          if (this.session !== dead || this.state !== 'restarting') return;
          await this.doStop('restarting', reason);
          await this.doStart(true);
        });
      }, decision.delayMs);
      return;
    }
    this.setState('failed', `crashed ${decision.crashes} times`);
    void this.enqueue(async () => {
      if (this.session === dead) await this.doStop('failed', `crashed ${decision.crashes} times`);
    });
    void this.offer(decision.message, [RESTART, SHOW_LOG]);
  }

  private createSession(launch: ServerLaunch, folder: vscode.WorkspaceFolder | undefined): Session {
    let signalEnd: (why: string) => void = () => undefined;
    const endedSignal = new Promise<string>((r) => (signalEnd = r));
    const session = { launch, running: false, deliberate: false, endedSignal, signalEnd } as Session;
    const serverOptions = async () => {
      const server = await spawnServer(launch, folder?.uri.fsPath, { ...process.env });
      session.server = server;
      this.log(`server process ${server.child.pid} started`);
      void server.exited.then((why) => this.ended(session, `process ${server.child.pid} ${why}`));
      return server.child;
    };
    session.client = new RefineClient(CLIENT_ID, CLIENT_NAME, serverOptions, this.clientOptions(session));
    // Inline completions are an LSP 3.18 (proposed) feature in vscode-languageclient 9.
    session.client.registerProposedFeatures();
    session.client.onDidChangeState((e) => {
      // The library gave up on the connection by itself (for example after failed writes).
      if (e.newState === State.Stopped) this.endedSoon(session, 'was stopped by the language client (its process kept running)');
    });
    session.client.onNotification(STATUS_NOTIFICATION, (params: unknown) => {
      if (session !== this.session) return;
      const { report, ignored } = mergeReport(this.report, params);
      if (ignored.length) this.log(`${STATUS_NOTIFICATION}: ignored ${ignored.join(', ')}`);
      this.report = report;
      this.stateEmitter.fire(this.state);
    });
    return session;
  }

  private clientOptions(session: Session): LanguageClientOptions {
    const specs = this.specs;
    return {
      documentSelector: [
        { scheme: 'file', language: 'python' },
        { scheme: 'untitled', language: 'python' },
      ],
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: () => initializationOptions(specs, this.settingsGetter()),
      synchronize: { configurationSection: SECTION },
      // Report a failed initialize ourselves (doStart) instead of a bare popup.
      initializationFailedHandler: (error) => {
        this.log(`initialize failed: ${String(error)}`);
        return false;
      },
      errorHandler: {
        // Write errors follow a dying server. A few may be a hiccup; more mean it is gone.
        error: (error, _message, count) => {
          this.log(`connection error ${count ?? 0}: ${String(error)}`);
          if ((count ?? 0) > 3) this.ended(session, 'stopped accepting messages (repeated write errors)');
          return { action: ErrorAction.Continue, handled: true };
        },
        closed: () => {
          this.endedSoon(session, 'closed the connection (its process kept running)');
          return {
            action: CloseAction.DoNotRestart,
            message: 'The connection to the server closed; the extension decides about restarting it (see the [client] lines).',
            handled: true,
          };
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
            const client = session.client;
            if (client.state !== State.Running) return;
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
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.output.dispose();
    this.stateEmitter.dispose();
  }
}
