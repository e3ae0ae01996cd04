"""Typed settings, built from initializationOptions and workspace/configuration.

Keys are camelCase in JSON (``refineLsp.diagnostics.debounceMs``) and snake_case here.
Invalid values never stop the server: each one is reported and its default kept.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reviewers:
    syntax: bool = True
    ruff: bool = True


@dataclass
class Ruff:
    # Extra rule selectors passed to ruff; empty means the project's own ruff config.
    select: list[str] = field(default_factory=list)
    timeout_s: float = 10.0


@dataclass
class Diagnostics:
    debounce_ms: int = 100


@dataclass
class FixAll:
    # Ids of safe rewrites that source.fixAll.refine applies; see `refine-lsp --help`.
    rules: list[str] = field(
        default_factory=lambda: ["ruff-safe-fixes", "compare-to-none", "organize-imports"]
    )
    # Compute fixAll and organize imports in the pause after an edit, so save finds them ready.
    precompute: bool = True


@dataclass
class Model:
    # litellm model names, e.g. "openai/gpt-4o-mini", "ollama/qwen2.5-coder", "local/smollm2".
    # None means no model: every deterministic feature still works.
    solver: str | None = None
    reviewer: str | None = None
    refiner: str | None = None
    api_base: str | None = None
    # Name of the environment variable holding the API key; the key itself never appears in
    # settings, logs, prompts or the events store.
    api_key_env: str | None = None
    timeout_s: float = 30.0
    retries: int = 2
    max_tokens_per_action: int = 20000
    max_cost_per_action: float = 0.05


@dataclass
class Refine:
    max_model_calls: int = 8
    # A deterministic fix takes ~55 test runs on HumanEvalFix (bench/refine_eval.py).
    max_test_runs: int = 150
    max_seconds: float = 90.0
    test_timeout_s: float = 10.0
    memory_mb: int = 1024


@dataclass
class Inline:
    enabled: bool = True
    debounce_ms: int = 150
    max_prefix_chars: int = 6000
    max_suffix_chars: int = 2000


@dataclass
class Hints:
    # The severity refinement hints are published with: "hint" (VS Code shows them as faint
    # dots and never in the Problems panel), "information" or "warning".
    severity: str = "hint"


@dataclass
class Rename:
    # Off: rename answers nothing (for users who let another server rename).
    enabled: bool = True


@dataclass
class Index:
    # The workspace index (rename's candidate files): built in the background after
    # initialize, kept current from the editor and the file watcher. Off: rename reads the
    # workspace's files on each request.
    enabled: bool = True
    # Files over this size are not indexed (each is listed with the reason in the log).
    max_file_kb: int = 1024


@dataclass
class Move:
    # On: the module a definition moves out of keeps `from dest import name` (a re-export).
    reexport: bool = False


@dataclass
class Acceptance:
    enabled: bool = True
    # Share of would-be-accepted suggestions to keep; sets both stages' thresholds.
    keep_accepted: float = 0.95
    # Store source text of suggestions in the events store (off: features and outcome only).
    store_source: bool = False
    db_path: str | None = None
    # Write decisions and learned state to the events store; headless runs turn this off.
    record: bool = True
    # What a model call and a rejected suggestion cost, in seconds of the user's time; they
    # set stage 1's share of the allowed loss. Defaults from the CUPS timings (gate.py).
    call_cost_s: float = 0.36
    rejected_cost_s: float = 1.66


@dataclass
class Settings:
    reviewers: Reviewers = field(default_factory=Reviewers)
    ruff: Ruff = field(default_factory=Ruff)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    fix_all: FixAll = field(default_factory=FixAll)
    model: Model = field(default_factory=Model)
    refine: Refine = field(default_factory=Refine)
    inline: Inline = field(default_factory=Inline)
    acceptance: Acceptance = field(default_factory=Acceptance)
    rename: Rename = field(default_factory=Rename)
    move: Move = field(default_factory=Move)
    index: Index = field(default_factory=Index)
    hints: Hints = field(default_factory=Hints)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _check(value: Any, tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_check(value, arg) for arg in typing.get_args(tp))
    if tp is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(tp)
        return isinstance(value, list) and all(_check(v, item) for v in value)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


_RANGES = {
    "acceptance.keep_accepted": (0.01, 1.0),
    "acceptance.call_cost_s": (0.0, 3600.0),
    "acceptance.rejected_cost_s": (0.0, 3600.0),
    "diagnostics.debounce_ms": (0, 10_000),
    "inline.debounce_ms": (0, 10_000),
    "index.max_file_kb": (1, 1024 * 1024),
}


_CHOICES = {"hints.severity": ("hint", "information", "warning")}


def _build(cls: type, raw: Any, path: str, errors: list[str]) -> Any:
    obj = cls()
    # Lua's empty table encodes as [] (Neovim), so an empty list stands for an empty object.
    if raw is None or (isinstance(raw, list) and not raw):
        return obj
    if not isinstance(raw, dict):
        errors.append(
            f"refineLsp{'.' + path if path else ''}: expected an object, got {type(raw).__name__}"
        )
        return obj
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key, value in raw.items():
        name = _snake(key)
        where = f"{path}.{key}" if path else key
        if name not in known:
            errors.append(f"refineLsp.{where}: unknown setting")
            continue
        tp = hints[name]
        if dataclasses.is_dataclass(tp):
            setattr(obj, name, _build(tp, value, where, errors))
            continue
        if not _check(value, tp):
            errors.append(f"refineLsp.{where}: invalid value {value!r}, using the default")
            continue
        dotted = f"{_snake(path)}.{name}".replace("._", ".") if path else name
        choices = _CHOICES.get(dotted)
        if choices and value not in choices:
            errors.append(
                f"refineLsp.{where}: {value!r} is not one of {', '.join(choices)}; using the default"
            )
            continue
        bounds = _RANGES.get(dotted)
        if bounds and not (bounds[0] <= value <= bounds[1]):
            errors.append(
                f"refineLsp.{where}: {value!r} is outside {bounds[0]}..{bounds[1]}, using the default"
            )
            continue
        setattr(obj, name, float(value) if tp is float else value)
    return obj


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Settings from a JSON value, with one message per invalid entry."""
    errors: list[str] = []
    if isinstance(raw, dict) and "refineLsp" in raw:
        raw = raw["refineLsp"]
    return _build(Settings, raw, "", errors), errors


def to_json(settings: Settings) -> dict:
    def conv(obj: Any) -> Any:
        if dataclasses.is_dataclass(obj):
            return {_camel(f.name): conv(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        return obj

    return conv(settings)
