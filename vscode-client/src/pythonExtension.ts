// The interpreter selected in the Python extension (ms-python.python), if that extension is
// installed. Only the few API members used here are declared, so there is no hard dependency.

import * as vscode from 'vscode';

interface EnvironmentPath {
  id: string;
  path: string;
}

interface PythonApi {
  ready?: Promise<void>;
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
    resolveEnvironment(
      env: EnvironmentPath | string,
    ): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
    onDidChangeExecutionDetails?: vscode.Event<unknown>;
  };
}

const PYTHON_EXTENSION = 'ms-python.python';
const READY_TIMEOUT_MS = 15_000;

async function pythonApi(log: (line: string) => void): Promise<PythonApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION);
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    if (api?.ready) {
      // A Python extension that never gets ready must not keep our server from starting.
      await Promise.race([api.ready, new Promise((r) => setTimeout(r, READY_TIMEOUT_MS))]);
    }
    return api;
  } catch (err) {
    log(`Python extension API unavailable: ${String(err)}`);
    return undefined;
  }
}

/** How to run the selected interpreter, e.g. ['/proj/.venv/bin/python']; undefined if none. */
export async function selectedPythonCommand(
  resource: vscode.Uri | undefined,
  log: (line: string) => void,
): Promise<string[] | undefined> {
  const api = await pythonApi(log);
  if (!api) return undefined;
  try {
    if (api.environments) {
      const envPath = api.environments.getActiveEnvironmentPath(resource);
      const env = await api.environments.resolveEnvironment(envPath);
      const exe = env?.executable.uri?.fsPath;
      if (exe) return [exe];
    }
    const exec = api.settings?.getExecutionDetails(resource).execCommand;
    if (exec && exec.length > 0) return exec;
  } catch (err) {
    log(`Could not read the selected Python interpreter: ${String(err)}`);
  }
  return undefined;
}

/** Fires when the user selects another interpreter. */
export async function onInterpreterChanged(
  listener: () => void,
  log: (line: string) => void,
): Promise<vscode.Disposable> {
  const api = await pythonApi(log);
  const event =
    api?.environments?.onDidChangeActiveEnvironmentPath ?? api?.settings?.onDidChangeExecutionDetails;
  return event ? event(() => listener()) : new vscode.Disposable(() => {});
}
