// Shared by the unit and launch tests: paths and the Python interpreter to test against.

import * as fs from 'fs';
import * as path from 'path';

/** vscode-client/ (this file compiles to vscode-client/out/test/helpers.js). */
export const CLIENT_ROOT = path.resolve(__dirname, '..', '..');
export const REPO_ROOT = path.resolve(CLIENT_ROOT, '..');

export function packageJson(): { contributes: Record<string, unknown> } & Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(CLIENT_ROOT, 'package.json'), 'utf8'));
}

/**
 * The interpreter that plays "the Python interpreter selected in VS Code": REFINE_LSP_PYTHON if
 * set (then it must work), else the repo's usual virtualenvs. `explicit` says which case it is.
 */
export function testPython(): { python: string | undefined; explicit: boolean } {
  const fromEnv = process.env.REFINE_LSP_PYTHON;
  if (fromEnv) return { python: fromEnv, explicit: true };
  const candidates = [
    path.join(REPO_ROOT, '.venv', 'bin', 'python'),
    '/work/venv/bin/python',
    path.join(REPO_ROOT, '.venv', 'Scripts', 'python.exe'),
  ];
  return { python: candidates.find((c) => fs.existsSync(c)), explicit: false };
}
