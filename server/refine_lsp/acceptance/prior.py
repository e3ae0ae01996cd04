"""The prior shipped with the package (refine_lsp/data/acceptance_prior.json).

Made by scripts/train_acceptance_prior.py from the CUPS telemetry. Loaded once, lazily.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from refine_lsp.acceptance.gate import (
    CALL_COST_S,
    REJECTED_COST_S,
    AcceptanceGate,
    AcceptancePrior,
)

PRIOR_FILE = "acceptance_prior.json"


@lru_cache(maxsize=1)
def shipped_prior() -> AcceptancePrior:
    """The packaged prior; raises ValueError when the file is missing or invalid."""
    try:
        text = resources.files("refine_lsp").joinpath("data", PRIOR_FILE).read_text("utf-8")
    except (OSError, ModuleNotFoundError) as exc:
        raise ValueError(f"acceptance prior {PRIOR_FILE} not found: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"acceptance prior {PRIOR_FILE} is not JSON: {exc}") from exc
    return AcceptancePrior.from_json(data)


def default_gate(
    keep_accepted: float = 0.95,
    call_cost: float = CALL_COST_S,
    rejected_cost: float = REJECTED_COST_S,
) -> AcceptanceGate:
    """A fresh gate on the shipped prior, for one user."""
    return AcceptanceGate(shipped_prior(), keep_accepted, call_cost, rejected_cost)
