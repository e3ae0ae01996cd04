// "Install refine-lsp" end to end: the selected interpreter is a fresh virtualenv without
// refine-lsp, the user clicks the button in the not-found error, pip installs it (from a wheel
// of this repository's server, built here; no network), and the server then starts from that
// interpreter. The virtualenv sees the test Python's other packages (pygls, ruff...) through a
// .pth file, so pip has only refine-lsp itself to install. Linux only.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageJson, REPO_ROOT, testPython } from '../helpers';
import { createVscodeStub, installVscodeStub, StubState } from './vscodeStub';

/** A wheel of server/refine_lsp (pure Python, no dependencies declared). */
function buildWheel(python: string, dir: string): void {
  const script = `
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
info = "refine_lsp-0.1.0.dist-info"
with zipfile.ZipFile(os.path.join(out, "refine_lsp-0.1.0-py3-none-any.whl"), "w") as whl:
    names = []
    for root, dirs, files in os.walk(os.path.join(src, "refine_lsp")):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in files:
            full = os.path.join(root, f)
            name = os.path.relpath(full, src)
            whl.write(full, name)
            names.append(name)
    meta = {
        "METADATA": "Metadata-Version: 2.1\\nName: refine-lsp\\nVersion: 0.1.0\\n",
        "WHEEL": "Wheel-Version: 1.0\\nGenerator: install.test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    for k, v in meta.items():
        whl.writestr(f"{info}/{k}", v)
        names.append(f"{info}/{k}")
    whl.writestr(f"{info}/RECORD", "".join(f"{n},,\\n" for n in names + [f"{info}/RECORD"]))
`;
  execFileSync(python, ['-c', script, path.join(REPO_ROOT, 'server'), dir]);
}

describe('Install refine-lsp into the selected interpreter', () => {
  const { python } = testPython();
  let skipReason: string | undefined;
  let state: StubState;
  let ext: { activate(c: unknown): Promise<void>; deactivate(): Promise<void> };
  let base: string;
  let bare: string;
  const context = { subscriptions: [] as { dispose(): unknown }[], extension: { packageJSON: packageJson() } };
  const log = () => state.output.join('\n');

  before(() => {
    if (process.platform !== 'linux' || !python) {
      skipReason = 'needs Linux and a Python with refine_lsp (REFINE_LSP_PYTHON)';
      return;
    }
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'refine-install-'));
    const venv = path.join(base, 'bare');
    try {
      execFileSync(python, ['-m', 'venv', venv], { stdio: 'pipe' });
    } catch (err) {
      skipReason = `could not create a virtualenv with pip: ${String(err).split('\n')[0]}`;
      return;
    }
    bare = path.join(venv, 'bin', 'python');
    const site = (py: string) =>
      execFileSync(py, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).trim();
    // Everything the test Python has but refine-lsp itself.
    const deps = path.join(base, 'deps');
    fs.mkdirSync(deps);
    const from = site(python);
    for (const entry of fs.readdirSync(from)) {
      if (/^(refine_lsp|__editable__|_virtualenv|distutils-precedence)|\.pth$/.test(entry)) continue;
      fs.symlinkSync(path.join(from, entry), path.join(deps, entry));
    }
    fs.writeFileSync(path.join(site(bare), 'test-deps.pth'), deps + '\n');
    const wheels = path.join(base, 'wheels');
    fs.mkdirSync(wheels);
    buildWheel(python, wheels);
    // The interpreter must find refine_lsp only where pip puts it.
    delete process.env.PYTHONPATH;
    // pip reads these: install from the wheel above, never from the network.
    Object.assign(process.env, {
      PIP_NO_INDEX: '1',
      PIP_FIND_LINKS: wheels,
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      PATH: '/usr/bin:/bin',
      REFINE_LSP_STATE_DIR: path.join(base, 'state'),
    });
    const stub = createVscodeStub({ packageJSON: packageJson() as never, workspaceFolder: base, python: bare });
    state = stub.state;
    state.answer = (_text, items) => (items.includes('Install refine-lsp') ? 'Install refine-lsp' : undefined);
    installVscodeStub(stub.vscode);
    ext = require('../../src/extension');
  });

  after(async () => {
    await ext?.deactivate();
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('offers the install, runs pip in that interpreter, then starts the server from it', async (t) => {
    if (skipReason) return t.skip(skipReason);
    await ext.activate(context);
    const [notFound] = state.messages;
    assert.match(notFound.text, /could not find the refine-lsp server.*-m pip install refine-lsp/);
    assert.deepEqual(notFound.items, ['Install refine-lsp', 'Show Log', 'Open Settings', 'Select Interpreter']);
    const deadline = Date.now() + 300_000; // pip on a loaded machine
    while (!state.statusItems[0]?.text.startsWith('$(check)')) {
      assert.ok(Date.now() < deadline, `not started after the install\n${log().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(log().includes(`installing: ${bare} -m pip install refine-lsp`), log());
    assert.match(log(), /Successfully installed refine-lsp-0\.1\.0/);
    assert.ok(log().includes(`starting (from selected Python interpreter: ${bare}): ${bare} -m refine_lsp serve`), log());
    assert.equal(state.statusItems[0].text, '$(check) Refine: offline');
    assert.deepEqual(state.messages.slice(1), [], 'no other message');
  });
});
