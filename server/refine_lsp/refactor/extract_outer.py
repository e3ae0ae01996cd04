"""Variables of enclosing functions that an extracted function receives as arguments.

The new function is defined outside the enclosing functions, so it cannot see their
variables: it gets them as arguments, read once at the call. That equals the original
reads only when the value cannot be missing or different there:

- missing: the variable may be unassigned when the selection runs (`z = 0; del z`,
  assigned on some paths only, assigned after the `def` of the function holding the
  selection). Read at the call, it raises NameError where the original raised later or
  never (the read was under a condition, or in a function the selection defines and may
  not call). Kept where the selection reads it before anything else happens, so that the
  call fails exactly where the original read does.
- different: the enclosing function rebinds it after that `def` (a loop, a later
  assignment), or a `nonlocal` declaration elsewhere may. A function, lambda or generator
  in the selection that reads it later would see the value passed; a read in the selection
  itself after a call that may rebind it (`nonlocal`, or the enclosing generator or
  coroutine resumed) would see the old one.

The enclosing function is analysed with the flow graph of its own body (flow.Graph) at the
statement that defines the function holding the selection.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ComprehensionScope, FunctionScope

from .chunk import ChunkTooNarrow, descendants
from .flow import Graph
from .model import Refusal
from .selection_flow import param_names
from .usage import block_statements

OUTER_UNBOUND = (
    "`{}` is a variable of an enclosing function that may be unassigned when the selection "
    "runs and is not read first: passing it would raise where the code does not"
)
OUTER_STALE = (
    "`{}` is a variable of an enclosing function that may be rebound later, and a function "
    "or generator in the selection reads it: it would keep the value passed"
)
OUTER_REBOUND = (
    "`{}` is a variable of an enclosing function that a call in the selection may rebind "
    "(`nonlocal`, or the enclosing generator resumed): it would keep the value passed"
)

_DEFS = (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.GeneratorExp)


@dataclass
class OuterFacts:
    always_bound: bool  # assigned once the defining statement has run, never deleted after
    changes: bool  # may be rebound (or deleted) after the defining statement
    rebindable: bool  # may be rebound while a call made by the selection runs


def check(chunk, nodes, scope, names, first, effects: bool, reads: dict) -> None:
    """Refuse passing any of ``names`` (read in ``nodes``, the selected statements or
    expression, whose scope is ``scope``) where the argument could differ from the reads.

    ``first``: the names read before anything else can happen; ``effects``: the selection
    may run other code; ``reads``: how many reads of each name the selection holds."""
    if not names:
        return
    lazy = set().union(*(lazy_reads(chunk, at, scope, set(names)) for at in nodes))
    cache: dict = {}
    for n in names:
        facts = outer_facts(chunk, nodes[0], n, cache)
        if facts is None:
            continue  # not a variable of an enclosing function: the caller's checks hold
        if not facts.always_bound and n not in first:
            raise Refusal(OUTER_UNBOUND.format(n))
        if facts.changes and n in lazy:
            raise Refusal(OUTER_STALE.format(n))
        if facts.rebindable and effects and not (n in first and reads.get(n) == 1):
            raise Refusal(OUTER_REBOUND.format(n))


def lazy_reads(chunk, at, scope, names: set[str]) -> set[str]:
    """Those of ``names`` read under ``at`` by a function, lambda or generator expression
    (they run later, or never)."""
    found: set[str] = set()
    for node in descendants(at):
        if not isinstance(node, cst.Name) or node.value not in names:
            continue
        s = chunk.scopes.get(node)
        while s is not None and s is not scope:
            if node.value in s.assignments:
                break  # its own variable there
            if isinstance(s, FunctionScope) or (
                isinstance(s, ComprehensionScope) and isinstance(s.node, cst.GeneratorExp)
            ):
                found.add(node.value)
                break
            s = s.parent
    return found


def outer_facts(chunk, at, name: str, cache: dict) -> OuterFacts | None:
    """What the enclosing function that binds ``name`` does with it after the statement
    that defines the function (or class, lambda, generator) holding ``at``."""
    defining = None
    node = chunk.parents.get(at)
    while node is not None:
        if isinstance(node, cst.FunctionDef) and defining is not None:
            key = id(node)
            if key not in cache:
                cache[key] = _Binder(node, chunk.parents)
            binder = cache[key]
            if name in binder.local and name not in binder.declared:
                if chunk.narrow and chunk.start(node)[0] <= chunk.stubs:
                    # A stub line stands for that function here: only all of it tells.
                    raise ChunkTooNarrow("an enclosing function's variable is passed")
                return binder.facts(defining, name)
        if isinstance(node, _DEFS):
            defining = node
        node = chunk.parents.get(node)
    return None


class _Binder:
    def __init__(self, func: cst.FunctionDef, parents):
        self.func = func
        self.parents = parents
        self.graph = Graph(block_statements(func.body), param_names(func))
        self.local = set(param_names(func)) | {
            n for b in self.graph.blocks for k, n in b.events if k in ("w", "m", "d")
        }
        own = lambda n: n is not func and isinstance(n, (cst.FunctionDef, cst.Lambda, cst.ClassDef))  # noqa: E731
        self.declared: set[str] = set()
        self.nonlocal_: set[str] = set()
        self.resumable = func.asynchronous is not None
        for n in descendants(func.body, skip=own):
            if isinstance(n, (cst.Global, cst.Nonlocal)):
                self.declared.update(x.name.value for x in n.names)
            elif isinstance(n, (cst.Yield, cst.Await)):
                self.resumable = True
        self.deleted: set[str] = set()  # by `del` anywhere in it (a `nonlocal` one unbinds)
        for n in descendants(func.body):
            if isinstance(n, cst.Nonlocal):
                self.nonlocal_.update(x.name.value for x in n.names)
            elif isinstance(n, cst.Del):
                stack = [n.target]
                while stack:
                    t = stack.pop()
                    if isinstance(t, cst.Name):
                        self.deleted.add(t.value)
                    elif isinstance(t, (cst.Tuple, cst.List)):
                        stack.extend(e.value for e in t.elements)
        self._must = None
        self._after: dict[int, tuple] = {}

    def _statement(self, defining):
        """The statement of this function's flow that holds ``defining``."""
        node = defining
        while node is not None and node is not self.func and id(node) not in self.graph.stmt_entry:
            node = self.parents.get(node)
        return None if node is self.func else node

    def facts(self, defining, name: str) -> OuterFacts:
        stmt = self._statement(defining)
        if stmt is None:
            return OuterFacts(False, True, True)
        k = self.graph.stmt_entry[id(stmt)]
        if k not in self._after:
            if self._must is None:
                self._must = self.graph.assigned(must=True)
            state = self._must[k]
            # The defining statement has run when what it defines can run.
            bound = self.graph.block_out(k, state) if state is not None else None
            reach, stack = set(), sorted(self.graph.blocks[k].succ | self.graph.blocks[k].exc)
            while stack:
                b = stack.pop()
                if b not in reach:
                    reach.add(b)
                    stack.extend(self.graph.blocks[b].succ | self.graph.blocks[b].exc)
            writes = {n for b in reach for kind, n in self.graph.blocks[b].events
                      if kind in ("w", "m", "d")}  # fmt: skip
            deletes = {n for b in reach for kind, n in self.graph.blocks[b].events if kind == "d"}
            self._after[k] = (bound, writes, deletes)
        bound, writes, deletes = self._after[k]
        if bound is None:  # the defining statement is never reached: nothing runs
            return OuterFacts(True, False, False)
        nonlocal_ = name in self.nonlocal_
        return OuterFacts(
            always_bound=name in bound
            and name not in deletes
            and not (nonlocal_ and name in self.deleted),
            changes=name in writes or nonlocal_,
            rebindable=nonlocal_ or (self.resumable and name in writes),
        )
