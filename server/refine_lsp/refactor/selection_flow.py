"""What a run of statements needs from before it and gives to what follows (flow-sensitive).

Answers, for a selection inside a function (or module) body: the names it may read before
every path through it has assigned them (parameters), the names it may or must assign, the
names live where it falls through (return values), the names live where an exception it
raises may be caught outside it, and which names are assigned when it starts.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

import libcst as cst

from .flow import Graph
from .model import Refusal

UNREACHABLE = "The selection is never reached (every path before it returns, raises or jumps)"


@dataclass
class SelectionFlow:
    order: list[str] = field(default_factory=list)  # names in the order the selection uses them
    upward: set[str] = field(default_factory=set)
    may_def: set[str] = field(default_factory=set)
    must_def: set[str] = field(default_factory=set)
    deletes: set[str] = field(default_factory=set)
    live_after: set[str] = field(default_factory=set)
    live_on_raise: set[str] = field(default_factory=set)
    catches_outside: bool = False  # an exception in the selection may be caught after it
    assigned_entry: set[str] = field(default_factory=set)
    maybe_entry: set[str] = field(default_factory=set)
    local: set[str] = field(default_factory=set)  # every name the body binds, params included
    falls_through: bool = True
    params_of_body: frozenset = frozenset()
    read_outside: set[str] = field(default_factory=set)
    bound_outside: set[str] = field(default_factory=set)
    read_first: set[str] = field(default_factory=set)  # read before anything else can happen
    effects: bool = False  # the selection may run other code (a call, an operator)
    reads: dict[str, int] = field(default_factory=dict)  # read events inside, per name


def param_names(func: cst.FunctionDef | None) -> frozenset:
    if func is None:
        return frozenset()
    p = func.params
    every = [*p.posonly_params, *p.params, *p.kwonly_params]
    every += [x for x in (p.star_arg, p.star_kwarg) if isinstance(x, cst.Param)]
    return frozenset(x.name.value for x in every)


def analyse(body, params: frozenset, selected) -> SelectionFlow:
    g = Graph(body, params)
    inside = g.blocks_of(selected)
    if id(selected[0]) not in g.stmt_entry:  # the graph leaves out code no path reaches
        raise Refusal(UNREACHABLE)
    entry = g.stmt_entry[id(selected[0])]
    out = SelectionFlow(params_of_body=params)
    seen = set()
    for k in sorted(inside):
        for kind, name in g.blocks[k].events:
            if kind in ("x", "c"):
                out.effects |= kind == "x"
                continue
            if name not in seen:
                seen.add(name)
                out.order.append(name)
            if kind == "r":
                out.reads[name] = out.reads.get(name, 0) + 1
            if kind in ("w", "m", "d"):
                out.may_def.add(name)
            if kind == "d":
                out.deletes.add(name)
    for k, blk in enumerate(g.blocks):
        if k not in inside:
            out.read_outside |= {n for kind, n in blk.events if kind == "r"}
            out.bound_outside |= {n for kind, n in blk.events if kind in ("w", "m", "d")}
    out.local = set(params) | {
        n for blk in g.blocks for kind, n in blk.events if kind in ("w", "m", "d")
    }
    for kind, name in g.blocks[entry].events:
        if kind != "r":
            break
        out.read_first.add(name)
        if name not in out.local and not hasattr(builtins, name):
            break  # a global (or an enclosing function's name) may be unbound: it fails first

    out.upward = g.liveness(inside)[entry]
    live = g.liveness()
    exits = [(k, s) for k in inside for s in g.blocks[k].succ if s not in inside]
    out.falls_through = bool(exits)
    for _, s in exits:
        out.live_after |= live[s]
    for k in inside:
        for h in g.blocks[k].exc:
            if h not in inside:
                out.catches_outside = True
                out.live_on_raise |= live[h]
    must = g.assigned(must=True)
    may = g.assigned(must=False)
    # Unreachable code runs never: whatever it reads counts as assigned.
    out.assigned_entry = set(must[entry]) if must[entry] is not None else set(out.local)
    out.maybe_entry = set(may[entry] or ())
    within = g.assigned(must=True, entry_names=set(), inside=inside, start=entry)
    ends = [g.block_out(k, within[k]) for k, _ in exits if within[k] is not None]
    out.must_def = set.intersection(*ends) if ends else set(out.may_def)
    return out
