"""Runs the VS Code client's Node tests (vscode-client/, `npm test`) against this Python.

They unit-test the extension's server discovery and settings mapping and launch the real server
exactly as the extension would, over vscode-jsonrpc. Skipped when Node or the client's
node_modules are missing (run `npm ci` in vscode-client/ first).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[2] / "vscode-client"


def test_vscode_client_node_tests() -> None:
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip("node/npm not installed: the VS Code client tests need Node 20")
    if not (CLIENT / "node_modules" / "vscode-jsonrpc").is_dir():
        pytest.skip("vscode-client/node_modules missing: run `npm ci` in vscode-client/")
    env = {**os.environ, "REFINE_LSP_PYTHON": sys.executable}
    proc = subprocess.run(
        [npm, "test"], cwd=CLIENT, env=env, capture_output=True, text=True, timeout=1800
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert "# fail 0" in proc.stdout or "ℹ fail 0" in proc.stdout, proc.stdout[-3000:]
