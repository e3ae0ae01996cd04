"""Train the acceptance prior shipped in refine_lsp/data/acceptance_prior.json.

    python scripts/train_acceptance_prior.py [--events ../shared/data/cups/events-dev.jsonl]
                                             [--out server/refine_lsp/data/acceptance_prior.json]

Replays the CUPS telemetry through the server's feature code (refine_lsp.acceptance.offline.cups),
fits both gate stages on every decision in the file, calibrates the thresholds out of fold
(users split into groups) and writes the prior as JSON. Pure Python, about a minute.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "server"))

from refine_lsp.acceptance.offline.cups import load_decisions  # noqa: E402
from refine_lsp.acceptance.offline.evaluate import fit_prior  # noqa: E402

DEFAULT_EVENTS = os.path.join(ROOT, "..", "shared", "data", "cups", "events-dev.jsonl")
DEFAULT_OUT = os.path.join(ROOT, "server", "refine_lsp", "data", "acceptance_prior.json")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--events", default=DEFAULT_EVENTS)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    decisions = load_decisions(args.events)
    prior = fit_prior(decisions)
    with open(args.events, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    prior.info.update(
        {
            "source": os.path.basename(args.events),
            "source_sha256": digest,
            "script": "scripts/train_acceptance_prior.py",
        }
    )
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(prior.to_json(), fh, separators=(",", ":"), sort_keys=True)
        fh.write("\n")
    print(
        json.dumps(
            {
                "out": os.path.relpath(args.out, ROOT),
                "decisions": prior.info["decisions"],
                "stage1_features": len(prior.stage1.names),
                "stage2_features": len(prior.stage2.names),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
