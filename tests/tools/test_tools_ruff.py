"""The one ruff runner: findings land on the text they name (a lone CR counts as a line break
for ruff, not for the domain's positions), and text ruff cannot read is a clear refusal."""

from __future__ import annotations

import pytest
from refine_lsp.tools.ruff import RuffFailed, findings_from_json, run_ruff

CHECK = ["check", "--output-format", "json", "--no-cache", "--exit-zero"]


def located(source: str) -> dict[str, str]:
    out = run_ruff(CHECK, source)
    lines = source.split("\n")
    found = {}
    for f in findings_from_json(out.stdout, source=source):
        assert f.span.start.line == f.span.end.line
        found[f.code] = lines[f.span.start.line][f.span.start.col : f.span.end.col]
    return found


@pytest.mark.parametrize("sep", ["\n", "\r\n", "\r"])
def test_findings_name_the_text_whatever_the_line_ends(sep):
    source = sep.join(["x = 1", "import os", "y = 2", ""])
    assert located(source)["F401"] == "os"


def test_the_quick_fix_edit_removes_exactly_the_unused_import_after_a_lone_cr():
    from refine_lsp.text import apply_edits

    source = "x = 1\rimport os\ny = 2\n"
    [fix] = [
        f
        for f in findings_from_json(run_ruff(CHECK, source).stdout, source=source)
        if f.code == "F401"
    ]
    assert apply_edits(source, fix.data["edits"]) == "x = 1\ry = 2\n"


def test_a_lone_surrogate_is_refused_with_its_line():
    with pytest.raises(RuffFailed, match=r"line 2 holds a lone surrogate \(U\+D800\)"):
        run_ruff(CHECK, "x = 1\ns = '\ud800'\n")


def test_a_timeout_names_the_setting():
    with pytest.raises(RuffFailed, match="ruff.timeoutS"):
        run_ruff(CHECK, "x = 1\n" * 50_000, timeout_s=0.001)
