"""Measure "Make faster (keeps tests green)" on fixtures/loop_slow; last line is one JSON object.

python bench/make_faster.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT / "bench"))

from refine_eval import make_faster_figures  # noqa: E402


def main() -> int:
    print(json.dumps(make_faster_figures()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
