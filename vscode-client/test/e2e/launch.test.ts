// Launches the real server exactly as the extension does (discovery -> command line, settings ->
// initializationOptions, workspace/configuration answers, code action params: all from the same
// src/ modules) and talks to it over vscode-jsonrpc on stdio, like vscode-languageclient.
//
// The interpreter plays "the Python interpreter selected in VS Code": REFINE_LSP_PYTHON, else
// the repo's virtualenv. Without one the test is skipped, unless REFINE_LSP_PYTHON was set.

import assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  createMessageConnection,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import type {
  CodeAction,
  Command,
  Diagnostic,
  InitializeResult,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { discoverServer, ServerLaunch } from '../../src/discovery';
import { nodeDiscoveryHost } from '../../src/pythonProbe';
import { codeActionParams, pickActions } from '../../src/refineActions';
import { initializationOptions, sanitizeConfiguration, SECTION, settingSpecs } from '../../src/settings';
import { packageJson, testPython } from '../helpers';
import { languageClientCapabilities } from './vscodeStub';

// A limit on a failure only (each step waits for its answer); a loaded machine is slow.
const STEP_MS = 120_000;

function within<T>(p: Promise<T>, what: string, ms = STEP_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Applies LSP text edits (utf-16 positions, like VS Code) to `text`. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offset = (p: { line: number; character: number }) =>
    p.line >= lineStarts.length ? text.length : Math.min(lineStarts[p.line] + p.character, text.length);
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

function editsFor(edit: WorkspaceEdit, uri: string, version: number): TextEdit[] {
  if (edit.documentChanges) {
    const edits: TextEdit[] = [];
    for (const change of edit.documentChanges) {
      if (!('textDocument' in change)) assert.fail(`unexpected resource operation ${JSON.stringify(change)}`);
      assert.equal(change.textDocument.uri, uri);
      assert.equal(change.textDocument.version, version, 'the edit is for the version we hold');
      edits.push(...(change.edits as TextEdit[]));
    }
    return edits;
  }
  return edit.changes?.[uri] ?? [];
}

const SOURCE = [
  'import sys',
  'import os',
  '',
  '',
  'def lookup(table, key):',
  '    value = table.get(key)',
  '    if value == None:',
  '        return os.environ.get(key, sys.argv[0])',
  '    return value',
  '',
].join('\n');

// organize-imports sorts the imports, compare-to-none rewrites `== None`: the default
// refineLsp.fixAll.rules; nothing else changes.
const FIXED = SOURCE.replace('import sys\nimport os', 'import os\nimport sys').replace('value == None', 'value is None');

describe('server launched as the extension launches it', () => {
  const specs = settingSpecs(packageJson());
  const settingsInVsCode = (key: string) => specs.find((s) => s.key === key)?.default;
  const { python, explicit } = testPython();
  let launch: ServerLaunch | undefined;
  let skipReason: string | undefined;
  let proc: ChildProcessWithoutNullStreams;
  let conn: MessageConnection;
  let workspace: string;
  let stderr = '';
  const messages: { type: number; message: string }[] = [];
  const configurationRequests: unknown[] = [];
  const published = new Map<string, Diagnostic[]>();

  before(async () => {
    if (!python) {
      skipReason = 'no Python interpreter with refine_lsp found; set REFINE_LSP_PYTHON';
      return;
    }
    const found = await discoverServer(
      { settingPath: '', extraArgs: [], pythonCommand: [python], env: process.env, platform: process.platform },
      nodeDiscoveryHost,
    );
    if (!found.ok) {
      if (explicit) assert.fail(`REFINE_LSP_PYTHON=${python}: ${found.message}`);
      skipReason = found.message;
      return;
    }
    launch = found.launch;
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'refine-vscode-'));
    // Same spawn as vscode-languageclient's Executable: stdio, cwd = the workspace folder.
    proc = spawn(launch.command, launch.args, { cwd: workspace, env: { ...process.env } });
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    conn.onNotification('window/showMessage', (p: { type: number; message: string }) => messages.push(p));
    conn.onNotification('window/logMessage', () => undefined);
    conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) =>
      published.set(p.uri, p.diagnostics),
    );
    // Answered as the extension's middleware answers: VS Code's view of the section, sanitized.
    conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => {
      configurationRequests.push(p);
      return p.items.map((item) => {
        const vscodeView = item.section === SECTION
          ? { ...initializationOptions(specs, settingsInVsCode), server: { path: '', args: [] }, trace: { server: 'off' } }
          : null;
        return sanitizeConfiguration(specs, item.section, vscodeView);
      });
    });
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('client/unregisterCapability', () => null);
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onRequest('workspace/diagnostic/refresh', () => null);
    conn.listen();
  });

  after(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    conn?.dispose();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('starts, initializes, offers source.fixAll.refine whose edit is right, and shuts down', async (t) => {
    if (skipReason) return t.skip(skipReason);
    assert.ok(launch);
    assert.equal(launch.source, 'python');
    assert.deepEqual(launch.args, ['-m', 'refine_lsp', 'serve']);
    const fail = (e: unknown) => new Error(`${String(e)}\n--- server stderr ---\n${stderr}`);
    try {
      const root = pathToFileURL(workspace).href;
      const init = await within(
        conn.sendRequest<InitializeResult>('initialize', {
          processId: process.pid,
          clientInfo: { name: 'Visual Studio Code', version: '1.82.0' },
          rootUri: root,
          workspaceFolders: [{ uri: root, name: path.basename(workspace) }],
          // What vscode-languageclient 9 itself declares (computed by the library).
          capabilities: languageClientCapabilities(packageJson() as never, workspace),
          initializationOptions: initializationOptions(specs, settingsInVsCode),
        }),
        'initialize',
      );
      const caps = init.capabilities;
      assert.ok(caps.positionEncoding === undefined || caps.positionEncoding === 'utf-16', 'VS Code only speaks utf-16');
      assert.ok(typeof caps.codeActionProvider === 'object', 'code actions are offered with options');
      assert.ok(caps.codeActionProvider.codeActionKinds?.includes('source.fixAll.refine'));
      assert.equal(caps.codeActionProvider.resolveProvider, true);
      await conn.sendNotification('initialized', {});

      const file = path.join(workspace, 'lookup.py');
      fs.writeFileSync(file, SOURCE);
      const uri = pathToFileURL(file).href;
      await conn.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'python', version: 1, text: SOURCE },
      });

      const lines = SOURCE.split('\n');
      // What the editor shows: pull diagnostics when offered (VS Code supports them), else push.
      let diagnostics: Diagnostic[];
      if (caps.diagnosticProvider) {
        const report = await within(
          conn.sendRequest<{ kind: string; items: Diagnostic[] }>('textDocument/diagnostic', { textDocument: { uri } }),
          'textDocument/diagnostic',
        );
        assert.equal(report.kind, 'full');
        diagnostics = report.items;
      } else {
        await within(
          (async () => { while (!published.has(uri)) await new Promise((r) => setTimeout(r, 20)); })(),
          'publishDiagnostics',
        );
        diagnostics = published.get(uri) ?? [];
      }
      assert.ok(diagnostics.length > 0, 'the unsorted imports are reported');
      assert.ok(
        diagnostics.every((d) => d.range.start.line < lines.length && d.message.length > 0),
        JSON.stringify(diagnostics),
      );

      // The code-actions-on-save request: whole document, only source.fixAll.refine.
      const whole = { start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: 0 } };
      const answer = await within(
        conn.sendRequest<(Command | CodeAction)[] | null>(
          'textDocument/codeAction',
          codeActionParams(uri, whole, ['source.fixAll.refine'], diagnostics),
        ),
        'textDocument/codeAction',
      );
      const [fixAll] = pickActions(answer, 'source.fixAll.refine');
      assert.ok(fixAll, `source.fixAll.refine is offered: ${JSON.stringify(answer)}`);
      const resolved = fixAll.edit ? fixAll : await within(
        conn.sendRequest<CodeAction>('codeAction/resolve', fixAll),
        'codeAction/resolve',
      );
      assert.ok(resolved.edit, 'the resolved action carries an edit');
      assert.equal(applyEdits(SOURCE, editsFor(resolved.edit, uri, 1)), FIXED);

      // The loop commands' request (Fix failing tests at the cursor) must be answered, even if empty.
      const loopAnswer = await within(
        conn.sendRequest<(Command | CodeAction)[] | null>(
          'textDocument/codeAction',
          codeActionParams(uri, { start: { line: 5, character: 4 }, end: { line: 5, character: 4 } }, ['refactor.rewrite.refine.fix']),
        ),
        'textDocument/codeAction for refactor.rewrite.refine.fix',
      );
      assert.ok(loopAnswer === null || Array.isArray(loopAnswer));

      assert.ok(configurationRequests.length >= 1, 'the server pulled workspace/configuration');
      const settingWarnings = messages.filter((m) => /setting/i.test(m.message));
      assert.deepEqual(settingWarnings, [], 'the settings we send are all accepted');

      const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
      await within(conn.sendRequest('shutdown'), 'shutdown');
      await conn.sendNotification('exit');
      assert.equal(await within(exited, 'process exit after exit'), 0);
    } catch (e) {
      throw fail(e);
    }
  });
});
