"""Every server setting is one the VS Code extension contributes, with the same default, and
the extension contributes no server setting the server does not know (a typo there would be
sent and answered with 'unknown setting')."""

from __future__ import annotations

import json
from pathlib import Path

from refine_lsp.settings import Settings, to_json

PACKAGE = Path(__file__).resolve().parents[1] / "vscode-client" / "package.json"
CLIENT_ONLY = {"enable", "server.path", "server.args", "trace.server"}


def flat(d: dict, prefix: str = ""):
    for key, value in d.items():
        if isinstance(value, dict):
            yield from flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def test_vscode_contributes_every_server_setting_with_its_default():
    server = dict(flat(to_json(Settings())))
    config = json.loads(PACKAGE.read_text())["contributes"]["configuration"]
    sections = config if isinstance(config, list) else [config]
    contributed = {
        key.removeprefix("refineLsp."): spec
        for section in sections
        for key, spec in section["properties"].items()
    }
    assert sorted(set(server) - set(contributed)) == []
    assert sorted(set(contributed) - set(server) - CLIENT_ONLY) == []
    differ = {
        k: (contributed[k].get("default"), v)
        for k, v in server.items()
        if contributed[k].get("default") != v
    }
    assert differ == {}
