// A small in-process stand-in for the `vscode` module, enough to activate the real extension
// (extension.ts with the real vscode-languageclient) under Node and drive it: settings, events,
// commands, the language status item, messages and a fake Python extension. VS Code cannot be downloaded
// here; this is what lets the wiring run at all. Members not modelled are auto-stubbed and
// recorded in `missing`, so a test can show what was touched but not modelled.

import Module from 'node:module';
import * as path from 'node:path';

import {
  EventEmitter,
  Disposable,
  Uri,
  Position,
  Range,
  Selection,
  CancellationTokenSource,
  CodeActionKind,
  WorkspaceEdit,
  Plain,
} from './vscodeTypes';

export { CancellationTokenSource, Position, Selection } from './vscodeTypes';

export interface FakeDocument {
  uri: Uri;
  languageId: string;
  version: number;
  isClosed: boolean;
  isDirty: boolean;
  isUntitled: boolean;
  fileName: string;
  lineCount: number;
  eol: number;
  getText(): string;
  save(): Promise<boolean>;
}

export function fakeDocument(file: string, text: string, languageId = 'python'): FakeDocument {
  return {
    uri: Uri.file(file),
    languageId,
    version: 1,
    isClosed: false,
    isDirty: false,
    isUntitled: false,
    fileName: file,
    lineCount: text.split('\n').length,
    eol: 1,
    getText: () => text,
    save: async () => true,
  };
}

export interface LanguageStatusItem {
  id: string;
  selector: unknown;
  name?: string;
  text: string;
  detail?: string;
  /** LanguageStatusSeverity: 0 information, 1 warning, 2 error. */
  severity: number;
  busy: boolean;
  command?: { title: string; command: string };
  disposed: boolean;
}

/** Everything the tests observe or poke. */
export interface StubState {
  settings: Map<string, unknown>;
  defaults: Map<string, unknown>;
  commands: Map<string, (...args: unknown[]) => unknown>;
  executed: { id: string; args: unknown[] }[];
  messages: { level: 'info' | 'warning' | 'error'; text: string; items: string[] }[];
  /** The button a message's user clicks (undefined: the message is closed). */
  answer: (text: string, items: string[]) => string | undefined;
  /** Language status items (languages.createLanguageStatusItem). */
  statusItems: LanguageStatusItem[];
  output: string[];
  missing: Set<string>;
  /** Providers registered through languages.register<Kind>Provider, by kind. */
  providers: Map<string, unknown[]>;
  activeTextEditor: { document: FakeDocument; selection: Selection } | undefined;
  openDocument(doc: FakeDocument): void;
  /** Changes `refineLsp.<key>` and fires onDidChangeConfiguration as VS Code does. */
  setSetting(key: string, value: unknown): void;
  /** Several settings at once, one change event (like editing settings.json). */
  setSettings(values: Record<string, unknown>): void;
  /** What progress notifications (window.withProgress) reported. */
  progressReports: { title?: string; message?: string }[];
  /** Edits applied through workspace.applyEdit (by the client or for the server). */
  appliedEdits: WorkspaceEdit[];
  /** Contents of documents opened with workspace.openTextDocument({content}). */
  openedContents: string[];
  pythonChanged: EventEmitter<unknown>;
}

export function createVscodeStub(opts: {
  packageJSON: { contributes: { configuration: { properties: Record<string, { default?: unknown }> } } };
  workspaceFolder: string;
  python: string | undefined;
}): { vscode: Record<string, unknown>; state: StubState } {
  const configChanged = new EventEmitter<{ affectsConfiguration(s: string): boolean }>();
  const opened = new EventEmitter<FakeDocument>();
  const pythonChanged = new EventEmitter<unknown>();
  const defaults = new Map<string, unknown>();
  for (const [k, v] of Object.entries(opts.packageJSON.contributes.configuration.properties)) {
    defaults.set(k, v.default);
  }
  const textDocuments: FakeDocument[] = [];
  const state: StubState = {
    settings: new Map(),
    defaults,
    commands: new Map(),
    executed: [],
    messages: [],
    answer: () => undefined,
    statusItems: [],
    output: [],
    missing: new Set(),
    providers: new Map(),
    activeTextEditor: undefined,
    openDocument(doc) {
      textDocuments.push(doc);
      opened.fire(doc);
    },
    setSetting(key, value) {
      state.setSettings({ [key]: value });
    },
    setSettings(values) {
      const changed = Object.keys(values).map((k) => `refineLsp.${k}`);
      for (const [k, v] of Object.entries(values)) state.settings.set(`refineLsp.${k}`, v);
      configChanged.fire({
        affectsConfiguration: (s: string) => changed.some((full) => full === s || full.startsWith(s + '.')),
      });
    },
    openedContents: [],
    appliedEdits: [],
    progressReports: [],
    pythonChanged,
  };

  const effective = (full: string): unknown =>
    state.settings.has(full) ? state.settings.get(full) : defaults.get(full);

  function getConfiguration(section?: string) {
    const prefix = section ? `${section}.` : '';
    const get = (key: string, fallback?: unknown): unknown => {
      const full = prefix + key;
      if (defaults.has(full) || state.settings.has(full)) return effective(full);
      // A section object, e.g. get('model') or getConfiguration().get('refineLsp').
      const nested: Record<string, unknown> = {};
      for (const k of defaults.keys()) {
        if (!k.startsWith(full + '.')) continue;
        let node = nested;
        const parts = k.slice(full.length + 1).split('.');
        for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
        node[parts[parts.length - 1]] = effective(k);
      }
      return Object.keys(nested).length ? nested : fallback;
    };
    return {
      get,
      has: (key: string) => get(key) !== undefined,
      inspect: (key: string) => ({ key: prefix + key, defaultValue: defaults.get(prefix + key) }),
      update: async (key: string, value: unknown) => state.setSetting(key, value),
    };
  }

  const register = (kind: string, provider: unknown): Disposable => {
    const list = state.providers.get(kind) ?? [];
    list.push(provider);
    state.providers.set(kind, list);
    return new Disposable(() => list.splice(list.indexOf(provider), 1));
  };
  const folderUri = Uri.file(opts.workspaceFolder);
  const event = () => new EventEmitter<unknown>().event;
  const pythonApi = {
    ready: Promise.resolve(),
    environments: {
      getActiveEnvironmentPath: () => ({ id: opts.python ?? '', path: opts.python ?? '' }),
      resolveEnvironment: async () =>
        opts.python ? { executable: { uri: Uri.file(opts.python) } } : undefined,
      onDidChangeActiveEnvironmentPath: pythonChanged.event,
    },
  };

  const vscode: Record<string, unknown> = {
    version: '1.82.0',
    EventEmitter,
    Disposable,
    Uri,
    Position,
    Range,
    Selection,
    CancellationTokenSource,
    CancellationError: class CancellationError extends Error {},
    CodeActionKind,
    WorkspaceEdit,
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    DiagnosticTag: { Unnecessary: 1, Deprecated: 2 },
    InlineCompletionTriggerKind: { Invoke: 0, Automatic: 1 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    LanguageStatusSeverity: { Information: 0, Warning: 1, Error: 2 },
    TextDocumentSaveReason: { Manual: 1, AfterDelay: 2, FocusOut: 3 },
    FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
    Diagnostic: Plain,
    CodeAction: Plain,
    TextEdit: class {
      constructor(public range: Range, public newText: string) {}
    },
    InlineCompletionItem: class {
      constructor(public insertText: unknown, public range?: unknown, public command?: unknown) {}
    },
    InlineCompletionList: class {
      constructor(public items: unknown[]) {}
    },
    TabInputText: Plain,
    TabInputTextDiff: Plain,
    TabInputCustom: Plain,
    TabInputNotebook: Plain,
    TabInputNotebookDiff: Plain,
    env: { appName: 'Visual Studio Code (stub)', language: 'en', uiKind: 1, openExternal: async () => true },
    workspace: {
      getConfiguration,
      workspaceFolders: [{ uri: folderUri, name: path.basename(opts.workspaceFolder), index: 0 }],
      getWorkspaceFolder: () => ({ uri: folderUri, name: 'ws', index: 0 }),
      textDocuments,
      notebookDocuments: [],
      isTrusted: true,
      onDidChangeConfiguration: configChanged.event,
      onDidOpenTextDocument: opened.event,
      onDidCloseTextDocument: event(),
      onDidChangeTextDocument: event(),
      onDidSaveTextDocument: event(),
      onWillSaveTextDocument: event(),
      onDidChangeWorkspaceFolders: event(),
      onDidOpenNotebookDocument: event(),
      onDidCloseNotebookDocument: event(),
      onDidChangeNotebookDocument: event(),
      onDidSaveNotebookDocument: event(),
      onDidCreateFiles: event(),
      onDidRenameFiles: event(),
      onDidDeleteFiles: event(),
      onWillCreateFiles: event(),
      onWillRenameFiles: event(),
      onWillDeleteFiles: event(),
      createFileSystemWatcher: () => ({
        onDidCreate: event(),
        onDidChange: event(),
        onDidDelete: event(),
        dispose() {},
      }),
      applyEdit: async (edit: WorkspaceEdit) => {
        state.appliedEdits.push(edit);
        return true;
      },
      openTextDocument: async (o: { content?: string; language?: string }) => {
        state.openedContents.push(o.content ?? '');
        return fakeDocument('/untitled', o.content ?? '', o.language ?? 'plaintext');
      },
    },
    window: {
      createOutputChannel: (name: string) => ({
        name,
        append: (s: string) => state.output.push(s),
        appendLine: (s: string) => state.output.push(s),
        replace: () => undefined,
        clear: () => undefined,
        show: () => undefined,
        hide: () => undefined,
        dispose: () => undefined,
      }),
      showInformationMessage: async (text: string, ...items: string[]) => {
        state.messages.push({ level: 'info', text, items });
        return state.answer(text, items);
      },
      showWarningMessage: async (text: string, ...items: string[]) => {
        state.messages.push({ level: 'warning', text, items });
        return state.answer(text, items);
      },
      showErrorMessage: async (text: string, ...items: string[]) => {
        state.messages.push({ level: 'error', text, items });
        return state.answer(text, items);
      },
      withProgress: async (o: { title?: string }, task: (p: unknown, t: unknown) => unknown) =>
        task(
          { report: (v: { message?: string }) => state.progressReports.push({ title: o.title, ...v }) },
          new CancellationTokenSource().token,
        ),
      showQuickPick: async (items: unknown[]) => items[0],
      showTextDocument: async () => undefined,
      get activeTextEditor() {
        return state.activeTextEditor;
      },
      visibleTextEditors: [],
      onDidChangeActiveTextEditor: event(),
      onDidChangeVisibleTextEditors: event(),
      tabGroups: { all: [], onDidChangeTabs: event(), onDidChangeTabGroups: event() },
    },
    languages: {
      createLanguageStatusItem: (id: string, selector: unknown) => {
        const item: LanguageStatusItem = { id, selector, text: '', severity: 0, busy: false, disposed: false };
        state.statusItems.push(item);
        return Object.assign(item, { dispose: () => (item.disposed = true) });
      },
      match: (selector: unknown, doc: FakeDocument) => {
        const list = Array.isArray(selector) ? selector : [selector];
        return list.some((s) => (typeof s === 'string' ? s === doc.languageId : (!s.language || s.language === doc.languageId) && (!s.scheme || s.scheme === doc.uri.scheme))) ? 10 : 0;
      },
      createDiagnosticCollection: (name: string) => {
        const map = new Map<string, unknown>();
        return {
          name,
          set: (uri: Uri, d: unknown) => map.set(uri.toString(), d),
          delete: (uri: Uri) => map.delete(uri.toString()),
          get: (uri: Uri) => map.get(uri.toString()),
          has: (uri: Uri) => map.has(uri.toString()),
          clear: () => map.clear(),
          forEach: () => undefined,
          dispose: () => map.clear(),
        };
      },
      getDiagnostics: () => [],
      registerInlineCompletionItemProvider: (_s: unknown, p: unknown) => register('InlineCompletionItem', p),
      registerCodeActionsProvider: (_s: unknown, p: unknown) => register('CodeActions', p),
    },
    commands: {
      registerCommand: (id: string, fn: (...a: unknown[]) => unknown) => {
        if (state.commands.has(id)) throw new Error(`command '${id}' already exists`);
        state.commands.set(id, fn);
        return new Disposable(() => state.commands.delete(id));
      },
      executeCommand: async (id: string, ...args: unknown[]) => {
        state.executed.push({ id, args });
        return state.commands.get(id)?.(...args);
      },
    },
    extensions: {
      getExtension: (id: string) =>
        id === 'ms-python.python' && opts.python
          ? { id, isActive: true, exports: pythonApi, activate: async () => pythonApi }
          : undefined,
      all: [],
    },
  };

  // Unknown members: a callable that returns a disposable, recorded in `missing`.
  const autoStub = (where: string): unknown =>
    new Proxy(function () {}, {
      get: (_t, prop) => {
        if (prop === 'then' || typeof prop === 'symbol') return undefined;
        if (prop === 'dispose') return () => undefined;
        return autoStub(`${where}.${String(prop)}`);
      },
      apply: () => {
        state.missing.add(where);
        return new Disposable();
      },
    });
  const wrap = (obj: Record<string, unknown>, where: string): Record<string, unknown> =>
    new Proxy(obj, {
      get: (t, prop) => {
        if (typeof prop === 'symbol' || prop in t) {
          const v = (t as Record<string | symbol, unknown>)[prop];
          return v && typeof v === 'object' && !Array.isArray(v) && v.constructor === Object
            ? wrap(v as Record<string, unknown>, `${where}.${String(prop)}`)
            : v;
        }
        if (prop === 'then' || prop === '__esModule') return undefined;
        state.missing.add(`${where}.${String(prop)}`);
        return autoStub(`${where}.${String(prop)}`);
      },
    });
  return { vscode: wrap(vscode, 'vscode'), state };
}

/** Makes `require('vscode')` return `vscode` in this process (test processes only). */
export function installVscodeStub(vscode: Record<string, unknown>): void {
  const loader = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
  const load = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscode : load.call(this, request, ...rest);
  };
}

/**
 * The capabilities vscode-languageclient 9 declares in initialize, computed by the library
 * itself (with the proposed features the extension registers), running on the stand-in.
 */
export function languageClientCapabilities(
  packageJSON: Parameters<typeof createVscodeStub>[0]['packageJSON'],
  workspaceFolder: string,
): Record<string, unknown> {
  const { vscode } = createVscodeStub({ packageJSON, workspaceFolder, python: undefined });
  installVscodeStub(vscode);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { LanguageClient } = require('vscode-languageclient/node');
  const client = new LanguageClient('refineLsp', 'Refine LSP', { command: 'unused' }, {
    documentSelector: [{ scheme: 'file', language: 'python' }],
  });
  client.registerProposedFeatures();
  return client.computeClientCapabilities();
}
