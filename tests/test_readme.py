"""Every command the README's verb table shows runs as written, from the repository's root,
on a fresh state directory (so nothing is read from or written to the user's own store)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def table_commands() -> list[str]:
    """The "try it" column of the verb table."""
    section = README.split("| verb | what it does | try it |", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"\| `(refine-lsp [^`]+)` \|\s*$", section, flags=re.M)


COMMANDS = table_commands()


def test_the_table_shows_every_verb():
    from refine_lsp.cli import VERBS

    shown = {shlex.split(c)[1] for c in COMMANDS}
    assert shown == set(VERBS), "a verb of refine_lsp.cli.VERBS has no runnable example"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(shlex.split(c)[1:3]))
def test_readme_command_runs_as_written(command, tmp_path):
    argv = shlex.split(command)
    if (
        any(part.startswith("../shared/") for part in argv)
        and not (REPO.parent / "shared").is_dir()
    ):
        pytest.skip("the shared data folder is not beside this checkout")
    env = {**os.environ, "REFINE_LSP_STATE_DIR": str(tmp_path / "state")}
    exe = Path(sys.executable).with_name("refine-lsp")
    done = subprocess.run(
        [str(exe) if exe.exists() else "refine-lsp", *argv[1:]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "Traceback" not in out, out[-3000:]
    if argv[1] in ("fix", "refine", "faster", "properties"):
        assert f"root {REPO / argv[-1]}" in done.stdout, done.stdout[-2000:]


def test_the_settings_table_lists_every_setting():
    from refine_lsp.settings import Settings, to_json

    def keys(d: dict, prefix: str = "") -> list[str]:
        out = []
        for k, v in d.items():
            out += keys(v, f"{prefix}{k}.") if isinstance(v, dict) else [prefix + k]
        return out

    table = README.split("| setting | default | meaning |", 1)[1].split("\n\n", 1)[0]
    missing = [k for k in keys(to_json(Settings())) if f"`{k}`" not in table]
    assert missing == [], "settings the README's table does not list"
