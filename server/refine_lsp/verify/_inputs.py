"""Input domains for property checks and timing, copied into the sandbox as
``refine_lsp_inputs`` (standard library only; hypothesis is imported by the caller).

A domain is plain JSON data per parameter (a "spec"), built from the values the tests pass,
docstring examples and defaults ("seeds") and, where there are none, from the annotation.
Sizes start from what the seeds show, so a correct but slow function is not fed inputs it
was never meant for. The same spec renders as a hypothesis strategy (``strategy``) and as
source text for a generated test file (``strategy_text``). ``grow`` scales a seed up for
timing: sizes multiply, and container elements get distinct variants so that work grows too.
"""

from __future__ import annotations

import ast
import inspect
import math
import textwrap
import typing

ANY = {"k": "any"}
INT = {"k": "int", "lo": -20, "hi": 40}
TEXT_ALPHABET = (32, 126)  # printable ASCII: what seeds show and any str-handling code accepts


# -- specs from annotations ----------------------------------------------------------------
def from_annotation(tp, default=inspect.Parameter.empty, depth: int = 0) -> dict:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is inspect.Parameter.empty or tp is typing.Any or isinstance(tp, str):
        if default is not inspect.Parameter.empty and default is not None:
            return from_values([default], top=True)
        return ANY
    if depth > 3:
        return {"k": "none"}
    if tp is bool:
        return {"k": "bool"}
    if tp is int:
        return dict(INT)
    if tp is float:
        return {"k": "float", "lo": -1e3, "hi": 1e3}
    if tp is str:
        return {"k": "str", "min": 0, "max": 12}
    if tp is bytes:
        return {"k": "bytes", "max": 12}
    if tp is type(None):
        return {"k": "none"}
    sub = [from_annotation(a, depth=depth + 1) for a in args if a is not Ellipsis]
    if origin in (list, set, frozenset) or tp in (list, set, frozenset):
        kind = "list" if (origin or tp) is list else "set"
        return {"k": kind, "of": sub[0] if sub else dict(INT), "min": 0, "max": 8}
    if origin is tuple or tp is tuple:
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            inner = sub[0] if sub else {"k": "int", "lo": -9, "hi": 9}
            return {"k": "tuple_of", "of": inner, "min": 0, "max": 6}
        return {"k": "tuple", "items": sub}
    if origin is dict or tp is dict:
        k, v = sub if len(sub) == 2 else ({"k": "str", "min": 0, "max": 5}, dict(INT))
        return {"k": "dict", "keys": k, "values": v, "max": 5}
    if origin is typing.Union or type(tp).__name__ == "UnionType":
        return {"k": "one_of", "options": sub}
    return {"k": "none"}


# -- specs from seen values ----------------------------------------------------------------
def _kind(v) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "bool"
    for t in (int, float, str, bytes, list, tuple, dict, set, frozenset):
        if isinstance(v, t):
            return t.__name__
    return "other"


def from_values(values: list, top: bool = False) -> dict:
    """A spec that generates values shaped like ``values`` and no larger than they are."""
    groups: dict[str, list] = {}
    for v in values:
        groups.setdefault(_kind(v), []).append(v)
    options = [_from_group(kind, vs, top) for kind, vs in groups.items() if kind != "other"]
    if not options:
        return ANY
    return options[0] if len(options) == 1 else {"k": "one_of", "options": options}


def _from_group(kind: str, vs: list, top: bool) -> dict:
    if kind in ("none", "bool"):
        return {"k": kind}
    if kind == "int":
        # A top-level int is usually a size or an index: keep to the seen range. Data ints
        # inside containers get some room so that duplicates and order vary.
        lo, hi = min(vs), max(vs)
        if not top:
            lo = min(lo, 0)
            hi = max(hi, lo + 10)
        return {"k": "int", "lo": lo, "hi": hi}
    if kind == "float":
        lo, hi = min(vs), max(vs)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            lo, hi = -1e3, 1e3
        return {"k": "float", "lo": lo, "hi": hi if hi > lo else lo + 1.0}
    if kind in ("str", "bytes"):
        lens = [len(v) for v in vs]
        return {"k": kind, "min": min(lens) if top else 0, "max": max(max(lens), 8)}
    if kind in ("list", "set", "frozenset", "tuple"):
        lens = [len(v) for v in vs]
        if kind == "tuple" and len(set(lens)) == 1 and lens[0] <= 6:
            return {
                "k": "tuple",
                "items": [from_values([v[i] for v in vs]) for i in range(lens[0])],
            }
        elems = [e for v in vs for e in v]
        out = {"k": "list" if kind == "list" else ("tuple_of" if kind == "tuple" else "set")}
        out["of"] = from_values(elems) if elems else dict(INT)
        out["min"], out["max"] = min(lens), max(max(lens), 3)
        return out
    if kind == "dict":
        keysets = {tuple(sorted(map(repr, v))) for v in vs}
        if len(keysets) == 1 and all(isinstance(k, str) for v in vs for k in v):
            keys = list(vs[0])
            return {"k": "record", "fields": {k: from_values([v[k] for v in vs]) for k in keys}}
        lens = [len(v) for v in vs]
        return {
            "k": "dict",
            "keys": from_values([k for v in vs for k in v]),
            "values": from_values([x for v in vs for x in v.values()]),
            "max": max(max(lens), 3),
        }
    return ANY


def imports(spec: dict) -> list[str]:
    """``from M import C`` lines a test file needs for the classes the spec builds."""
    if spec["k"] == "builds":
        module, _, qual = spec["type"].partition(":")
        return [f"from {module} import {qual}"]
    out = []
    for key in ("of", "keys", "values"):
        if key in spec:
            out += imports(spec[key])
    for sub in spec.get("items", []) + spec.get("options", []):
        out += imports(sub)
    for sub in spec.get("fields", {}).values():
        out += imports(sub)
    return list(dict.fromkeys(out))


def shrink(spec: dict, factor: float) -> dict:
    """The spec with its upper sizes scaled by ``factor`` (< 1), lower bounds kept."""
    out = dict(spec)
    if spec["k"] == "int" and spec["hi"] > spec["lo"]:
        out["hi"] = max(spec["lo"], spec["lo"] + int((spec["hi"] - spec["lo"]) * factor))
    for key in ("of", "keys", "values"):
        if key in spec:
            out[key] = shrink(spec[key], factor)
    if "max" in spec:
        out["max"] = max(spec.get("min", 0), int(spec["max"] * factor))
    if "items" in spec:
        out["items"] = [shrink(s, factor) for s in spec["items"]]
    if "options" in spec:
        out["options"] = [shrink(s, factor) for s in spec["options"]]
    if "fields" in spec:
        out["fields"] = {k: shrink(s, factor) for k, s in spec["fields"].items()}
    return out


def biggest(spec: dict):
    """One of the costliest values of the spec (for calibrating sizes against time)."""
    k = spec["k"]
    if k == "int":
        return spec["hi"]
    if k == "float":
        return spec["hi"]
    if k in ("str", "bytes"):
        return ("x" if k == "str" else b"x") * spec["max"]
    if k in ("list", "tuple_of", "set"):
        items = [_distinct(biggest(spec["of"]), i) for i in range(spec["max"])]
        return tuple(items) if k == "tuple_of" else (set(items) if k == "set" else items)
    if k == "tuple":
        return tuple(biggest(s) for s in spec["items"])
    if k == "record":
        return {f: biggest(s) for f, s in spec["fields"].items()}
    if k == "dict":
        return {_distinct(biggest(spec["keys"]), i): biggest(spec["values"]) for i in range(3)}
    if k == "one_of":
        return biggest(spec["options"][0])
    if k == "builds":
        import importlib

        module, _, qual = spec["type"].partition(":")
        return getattr(importlib.import_module(module), qual)()
    return [1, 2, 3] if k == "any" else None


# -- rendering -------------------------------------------------------------------------------
def strategy(spec: dict, st):
    k = spec["k"]
    if k == "int":
        return st.integers(spec["lo"], spec["hi"])
    if k == "float":
        return st.floats(spec["lo"], spec["hi"], allow_nan=False, allow_infinity=False)
    if k == "bool":
        return st.booleans()
    if k == "none":
        return st.none()
    if k == "str":
        chars = st.characters(min_codepoint=TEXT_ALPHABET[0], max_codepoint=TEXT_ALPHABET[1])
        return st.text(chars, min_size=spec.get("min", 0), max_size=spec["max"])
    if k == "bytes":
        return st.binary(max_size=spec["max"])
    if k in ("list", "tuple_of", "set"):
        lists = st.lists(
            strategy(spec["of"], st), min_size=spec.get("min", 0), max_size=spec["max"]
        )
        return lists.map(tuple) if k == "tuple_of" else (lists.map(set) if k == "set" else lists)
    if k == "tuple":
        return st.tuples(*(strategy(s, st) for s in spec["items"]))
    if k == "record":
        return st.fixed_dictionaries({f: strategy(s, st) for f, s in spec["fields"].items()})
    if k == "dict":
        return st.dictionaries(
            strategy(spec["keys"], st), strategy(spec["values"], st), max_size=spec["max"]
        )
    if k == "one_of":
        return st.one_of(*(strategy(s, st) for s in spec["options"]))
    if k == "builds":
        import importlib

        module, _, qual = spec["type"].partition(":")
        return st.builds(getattr(importlib.import_module(module), qual))
    return st.one_of(st.integers(-20, 20), st.text(max_size=6), st.lists(st.integers(-9, 9)))


def strategy_text(spec: dict) -> str:
    """The same strategy as source text (``st`` is hypothesis.strategies)."""
    k = spec["k"]
    if k == "int":
        return f"st.integers({spec['lo']!r}, {spec['hi']!r})"
    if k == "float":
        return f"st.floats({spec['lo']!r}, {spec['hi']!r}, allow_nan=False, allow_infinity=False)"
    if k == "bool":
        return "st.booleans()"
    if k == "none":
        return "st.none()"
    if k == "str":
        lo, hi = TEXT_ALPHABET
        chars = f"st.characters(min_codepoint={lo}, max_codepoint={hi})"
        return f"st.text({chars}, min_size={spec.get('min', 0)}, max_size={spec['max']})"
    if k == "bytes":
        return f"st.binary(max_size={spec['max']})"
    if k in ("list", "tuple_of", "set"):
        text = (
            f"st.lists({strategy_text(spec['of'])}, "
            f"min_size={spec.get('min', 0)}, max_size={spec['max']})"
        )
        return text + {"list": "", "tuple_of": ".map(tuple)", "set": ".map(set)"}[k]
    if k == "tuple":
        return f"st.tuples({', '.join(strategy_text(s) for s in spec['items'])})"
    if k == "record":
        fields = ", ".join(f"{f!r}: {strategy_text(s)}" for f, s in spec["fields"].items())
        return f"st.fixed_dictionaries({{{fields}}})"
    if k == "dict":
        keys, values = strategy_text(spec["keys"]), strategy_text(spec["values"])
        return f"st.dictionaries({keys}, {values}, max_size={spec['max']})"
    if k == "one_of":
        return f"st.one_of({', '.join(strategy_text(s) for s in spec['options'])})"
    if k == "builds":
        return f"st.builds({spec['type'].partition(':')[2]})"  # imported by the test file
    return "st.one_of(st.integers(-20, 20), st.text(max_size=6), st.lists(st.integers(-9, 9)))"


# -- seeds -------------------------------------------------------------------------------------
def literal(value) -> str | None:
    """``repr(value)`` when it reads back as an equal literal (so it can travel as text)."""
    try:
        text = repr(value)
        if len(text) <= 4000 and ast.literal_eval(text) == value:
            return text
    except Exception:  # noqa: BLE001 - any value may refuse repr or comparison
        pass
    return None


def doctest_seeds(doc: str | None, name: str, nparams: int) -> list[tuple]:
    """Argument tuples of ``>>> name(...)`` lines whose arguments are literals."""
    out = []
    for line in (doc or "").splitlines():
        text = line.strip()
        if not text.startswith(">>> "):
            continue
        try:
            call = ast.parse(text[4:], mode="eval").body
            if not (isinstance(call, ast.Call) and ast.unparse(call.func) == name):
                continue
            if call.keywords or len(call.args) != nparams:
                continue
            out.append(tuple(ast.literal_eval(a) for a in call.args))
        except (SyntaxError, ValueError, TypeError):
            continue
    return out


# -- growing a seed for timing -------------------------------------------------------------
def _ints(v, acc: list) -> None:
    if isinstance(v, bool):
        return
    if isinstance(v, int):
        acc.append(v)
    elif isinstance(v, (list, tuple, set, frozenset)):
        for e in v:
            _ints(e, acc)
    elif isinstance(v, dict):
        for e in v.values():
            _ints(e, acc)


def _distinct(v, c: int, span: int = 1000):
    """The ``c``-th variant of ``v``, same shape, distinct from the others (c == 0: ``v``)."""
    if c == 0 or v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v + c * span
    if isinstance(v, float):
        return v + c * float(span)
    if isinstance(v, str):
        return f"{v}{c}"
    if isinstance(v, bytes):
        return v + str(c).encode()
    if isinstance(v, tuple):
        return tuple(_distinct(e, c, span) for e in v)
    if isinstance(v, list):
        return [_distinct(e, c, span) for e in v]
    if isinstance(v, dict):
        return {k: _distinct(e, c, span) for k, e in v.items()}
    return v


def grow(v, factor: float, top: bool = True):
    """``v`` scaled by ``factor``: top-level numbers multiply, containers get longer by
    tiling distinct variants of their elements (order within each tile is kept)."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int) and top:
        return round(v * factor) if abs(v) >= 2 else v
    if isinstance(v, float) and top:
        return v * factor
    if isinstance(v, (str, bytes)):
        n = max(len(v), round(len(v) * factor))
        return (v * (n // max(1, len(v)) + 1))[:n] if v else v
    if isinstance(v, (list, tuple, set, frozenset, dict)):
        items = list(v.items()) if isinstance(v, dict) else list(v)
        if not items:
            return v
        acc: list[int] = []
        _ints(v, acc)
        span = (max(acc) - min(acc) + 1) if acc else 1
        n = max(len(items), round(len(items) * factor))
        out = [_distinct(items[i % len(items)], i // len(items), span) for i in range(n)]
        if isinstance(v, dict):
            return dict(out)
        return type(v)(out) if not isinstance(v, list) else out
    return v


# -- probes at the function's boundaries ------------------------------------------------------
# Hypothesis inputs shaped like the seeds rarely land exactly on the values where a weakly
# tested repair and the right one part ways: a constant of a comparison and one either side
# of it, the empty and one-element container, a sequence one shorter. Probes are the seeds
# with one argument moved to such a value; they stay as small as the seeds, so they cost
# microseconds, and they are fixed by the seeds and the source (the same on every run).
MAX_PROBES = 120
MAX_PROBE_SEEDS = 8
MAX_CONSTANTS = 12


def source_constants(text: str) -> list:
    """The numbers ``text`` (a function's source) computes or compares with, in the order
    they appear: ints and floats, a unary minus kept, bools left out."""
    try:
        tree = ast.parse(textwrap.dedent(text))
    except (SyntaxError, ValueError):
        return []
    found = []
    negated = set()
    for node in ast.walk(tree):  # parents come before children: a negation before its number
        value = None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = node.operand
            if isinstance(inner, ast.Constant) and type(inner.value) in (int, float):
                value = -inner.value
                negated.add(id(inner))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value = None if id(node) in negated else node.value
        if value is not None and (isinstance(value, int) or math.isfinite(value)):
            found.append((node.lineno, node.col_offset, value))
    out: list = []
    for _, _, v in sorted(found, key=lambda t: (t[0], t[1])):
        if not any(type(v) is type(o) and v == o for o in out):
            out.append(v)
    return out[:MAX_CONSTANTS]


def _number_variants(v, numbers: list) -> list:
    ints = [c for c in numbers if isinstance(c, int)]
    if isinstance(v, int):
        return [v - 1, v + 1, 0, 1, -1] + [c + d for c in ints for d in (0, -1, 1)]
    floats = [float(c) for c in numbers]
    return [v - 1.0, v + 1.0, 0.0, v / 2] + floats


def _variants(v, numbers: list) -> list:
    """Values near ``v``: at the function's constants and one either side, and for
    sequences the empty one, the first element alone, one shorter at either end, reversed
    and the last element repeated."""
    if isinstance(v, bool):
        return [not v]
    if isinstance(v, (int, float)):
        out = _number_variants(v, numbers)
    elif isinstance(v, (str, bytes, list, tuple)):
        out = [v[:0], v[:1], v[:-1], v[1:], v[::-1], v + v[-1:]]
        if isinstance(v, (list, tuple)) and v and all(type(e) in (int, float) for e in v):
            kind = type(v[0]) if all(type(e) is type(v[0]) for e in v) else float
            out += [type(v)([kind(c)]) for c in numbers]
            out.append(type(v)([e + 1 for e in v]))
    elif isinstance(v, dict):
        out = [{}]
    else:
        return []
    kept: dict[str, object] = {}
    for o in out:
        if type(o) is type(v) and not (o == v) and repr(o) not in kept:
            kept[repr(o)] = o
    return list(kept.values())


def boundary_probes(seeds: list[tuple], numbers: list, limit: int = MAX_PROBES) -> list[tuple]:
    """The first seeds, each with one argument moved to a boundary value (``_variants``),
    round-robin over seeds and positions so that every argument gets its nearest variants
    first; no probe repeats a seed or another probe."""
    lists = []
    for args in seeds[:MAX_PROBE_SEEDS]:
        for i, v in enumerate(args):
            variants = _variants(v, numbers)
            lists.append([args[:i] + (x,) + args[i + 1 :] for x in variants])
    seen = {repr(s) for s in seeds}
    out: list[tuple] = []
    for k in range(max((len(v) for v in lists), default=0)):
        for variants in lists:
            if k < len(variants) and repr(variants[k]) not in seen:
                seen.add(repr(variants[k]))
                out.append(variants[k])
                if len(out) >= limit:
                    return out
    return out
