"""`refine-lsp move` headless: the diff without --apply (nothing written), the files written
with it (the new module too) and the fixture's tests give the same outcomes; a refusal exits 1 with the
reason."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("refine-lsp")
    return subprocess.run(
        [str(exe) if exe.exists() else "refine-lsp", "move", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def pricing_tests(root: Path) -> list[str]:
    """Each test's outcome (the fixture keeps a bug for the loop: one test fails)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rA",
            "-p",
            "no:cacheprovider",
            "tests/test_pricing.py",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return sorted(
        line.split(" - ")[0]
        for line in done.stdout.splitlines()
        if line.startswith(("PASSED", "FAILED"))
    )


def test_move_prints_the_diff_then_applies_it(tmp_path):
    root = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", root)
    before = pricing_tests(root)
    assert len(before) == 4
    pricing = (root / "shop/pricing.py").read_text()
    shown = cli("shop/pricing.py:1", "shop.discounts", "--workspace", ".", cwd=root)
    assert shown.returncode == 0, shown.stderr
    assert "+++ shop/discounts.py (moved)" in shown.stdout
    assert "+from shop.discounts import bulk_discount" in shown.stdout
    assert "moved `bulk_discount` to shop.discounts (a new module): 3 files changed" in shown.stdout
    assert not (root / "shop/discounts.py").exists()
    assert (root / "shop/pricing.py").read_text() == pricing
    done = cli("shop/pricing.py:1", "shop.discounts", "--workspace", ".", "--apply", cwd=root)
    assert done.returncode == 0, done.stderr
    assert (root / "shop/discounts.py").read_text().startswith("def bulk_discount(quantity):")
    assert (
        (root / "tests/test_pricing.py")
        .read_text()
        .startswith(
            "from shop.pricing import unit_price\nfrom shop.discounts import bulk_discount\n"
        )
    )
    assert pricing_tests(root) == before


def test_a_refused_move_exits_1_with_the_reason(tmp_path):
    root = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", root)
    (root / "shop/stats.py").write_text("def bulk_discount(q):\n    return 0\n")
    done = cli("shop/pricing.py:1", "shop.stats", "--workspace", ".", cwd=root)
    assert done.returncode == 1
    assert "move refused: stats.py already defines `bulk_discount` (line 1)" in done.stderr
