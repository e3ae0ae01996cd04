// Node-side effects that discovery needs, kept out of discovery.ts so that one stays pure.
// No `vscode` import: the Node launch test uses these exactly as the extension does.

import { execFile } from 'child_process';
import * as fs from 'fs';
import { DiscoveryHost } from './discovery';

// find_spec does not import the package, so probing stays fast and has no side effects.
const PROBE =
  "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('refine_lsp') else 3)";

export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Whether `pythonCommand -c PROBE` exits 0 within `timeoutMs`. */
export function hasRefineModule(
  pythonCommand: readonly string[],
  timeoutMs = 15_000,
): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      pythonCommand[0],
      [...pythonCommand.slice(1), '-c', PROBE],
      { timeout: timeoutMs, windowsHide: true },
      (error) => resolve(!error),
    );
  });
}

export const nodeDiscoveryHost: DiscoveryHost = {
  isFile,
  hasModule: (cmd) => hasRefineModule(cmd),
};
