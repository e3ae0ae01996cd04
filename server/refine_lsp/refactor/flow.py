"""A control-flow graph of one function (or module) body, with liveness and definite assignment.

Blocks hold name events in evaluation order (see flow_events). Loops with break/continue/
else, if/elif, try/except/else/finally, with, match, return and raise are edges; an
exception edge goes from every block of a `try` body to its handlers (or `finally`), and the
state it carries is the block's entry state (the exception may come before any write).
Context managers are assumed not to swallow exceptions, except `suppress(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from . import flow_events as fe


@dataclass
class Block:
    events: list = field(default_factory=list)
    succ: set = field(default_factory=set)
    exc: set = field(default_factory=set)  # handlers an exception raised here may reach
    owners: tuple = ()  # ids of the statements this block belongs to

    def gen_kill(self):
        gen, kill = set(), set()
        for kind, name in self.events:
            if kind == "r" and name not in kill:
                gen.add(name)
            elif kind in ("w", "d"):
                kill.add(name)
        return gen, kill


class Graph:
    """Built from a list of statements; block 0 is the entry, block 1 the exit."""

    def __init__(self, body, params: frozenset = frozenset()):
        self.blocks: list[Block] = [Block(), Block()]
        self.entry_names = frozenset(params)
        self.stmt_entry: dict[int, int] = {}
        self._owners: list[int] = []
        self._loops: list[tuple[int, int]] = []  # (continue target, break target)
        self._handlers: list[set[int]] = []
        self._finals: list[tuple[int, int]] = []  # (finally block, loop depth at its try)
        self._targets: set[int] = set()  # blocks some edge reaches
        end = self._body(list(body), 0)
        if end is not None:
            self._edge(end, 1)

    # ---- building -------------------------------------------------------------------
    def _new(self, *preds) -> int:
        self.blocks.append(Block(owners=tuple(self._owners)))
        b = len(self.blocks) - 1
        if self._handlers:
            self.blocks[b].exc |= self._handlers[-1]
            self._targets |= self._handlers[-1]
        for p in preds:
            if p is not None:
                self._edge(p, b)
        return b

    def _edge(self, a: int | None, b: int) -> None:
        if a is not None:
            self.blocks[a].succ.add(b)
            self._targets.add(b)

    def _body(self, stmts, cur: int | None) -> int | None:
        for st in stmts:
            cur = self._stmt(st, cur)
        return cur

    def _suite(self, suite, cur):
        if isinstance(suite, cst.SimpleStatementSuite):
            return self._smalls(suite.body, cur)
        return self._body(suite.body, cur)

    def _stmt(self, st, cur: int | None) -> int | None:
        self._owners.append(id(st))
        try:
            b = self._new(cur)
            self.stmt_entry[id(st)] = b
            return self._compound(st, b)
        finally:
            self._owners.pop()

    def _smalls(self, smalls, b: int) -> int | None:
        for s in smalls:
            fe.small(s, self.blocks[b].events)
            if isinstance(s, cst.Return):
                self._jump(b, 1)
                return None
            if isinstance(s, cst.Raise):
                return None  # where it goes is the block's exception edges
            if isinstance(s, (cst.Break, cst.Continue)):
                if self._loops:
                    cont, brk = self._loops[-1]
                    self._jump(b, brk if isinstance(s, cst.Break) else cont, loop=True)
                return None
        return b

    def _compound(self, st, b: int) -> int | None:
        ev = self.blocks[b].events
        if isinstance(st, cst.SimpleStatementLine):
            return self._smalls(st.body, b)
        if isinstance(st, (cst.FunctionDef, cst.ClassDef)):
            fe.definition(st, ev)
            return b
        if isinstance(st, cst.If):
            fe.expr(st.test, ev)
            then = self._suite(st.body, self._new(b))
            if st.orelse is None:
                other = b
            elif isinstance(st.orelse, cst.If):
                other = self._stmt(st.orelse, b)
            else:
                other = self._suite(st.orelse.body, self._new(b))
            return self._join(then, other)
        if isinstance(st, cst.While):
            head = self._new(b)
            fe.expr(st.test, self.blocks[head].events)
            after = self._new()
            orelse = None if _always_true(st.test) else self._new(head)
            self._loops.append((head, after))
            end = self._suite(st.body, self._new(head))
            self._loops.pop()
            self._edge(end, head)
            if orelse is not None and st.orelse is not None:
                orelse = self._suite(st.orelse.body, orelse)
            self._edge(orelse, after)
            return after if self._reached(after) else None
        if isinstance(st, cst.For):
            fe.expr(st.iter, ev)
            head = self._new(b)
            after = self._new()
            step = self._new(head)
            fe.target(st.target, self.blocks[step].events)
            self._loops.append((head, after))
            end = self._suite(st.body, step)
            self._loops.pop()
            self._edge(end, head)
            orelse = self._new(head)
            if st.orelse is not None:
                orelse = self._suite(st.orelse.body, orelse)
            self._edge(orelse, after)
            return after if self._reached(after) else None
        if isinstance(st, cst.With):
            swallow = any(_suppresses(item.item) for item in st.items)
            for item in st.items:
                fe.expr(item.item, ev)
                if item.asname is not None:
                    fe.target(item.asname.name, ev)
            after = self._new()
            if swallow:
                self._handlers.append(self._handlers[-1] | {after} if self._handlers else {after})
            end = self._suite(st.body, self._new(b))
            if swallow:
                self._handlers.pop()
            self._edge(end, after)
            return after if self._reached(after) else None
        if isinstance(st, (cst.Try, cst.TryStar)):
            return self._try(st, b)
        if isinstance(st, cst.Match):
            fe.expr(st.subject, ev)
            after = self._new()
            test = b
            for case in st.cases:
                if test is None:
                    break
                hit = self._new(test)
                fe.pattern(case.pattern, self.blocks[hit].events)
                if case.guard is not None:
                    fe.expr(case.guard, self.blocks[hit].events)
                miss = None if irrefutable_case(case) else self._new(test, hit)
                if case.guard is not None and miss is not None:
                    pass  # a failed guard leaves the captures bound: `hit` precedes `miss`
                end = self._suite(case.body, self._new(hit))
                self._edge(end, after)
                test = miss
            self._edge(test, after)
            return after if self._reached(after) else None
        for child in st.children:  # an unknown compound statement: its expressions only
            if isinstance(child, cst.BaseExpression):
                fe.expr(child, ev)
        return b

    def _try(self, st, b: int) -> int | None:
        outer = set(self._handlers[-1]) if self._handlers else set()
        final = self._new() if st.finalbody is not None else None
        escape = {final} if final is not None else outer  # where an uncaught exception goes
        entries = [self._new() for _ in st.handlers]
        for e in entries:
            self.blocks[e].exc = set(escape)
            self._targets |= escape
        if final is not None:
            self.blocks[final].exc = set(outer)
            self._targets |= outer
            self._finals.append((final, len(self._loops)))
        self._handlers.append(set(entries) | escape)
        end = self._suite(st.body, self._new(b))
        self._handlers[-1] = set(escape)
        if st.orelse is not None and end is not None:
            end = self._suite(st.orelse.body, self._new(end))
        ends = [end]
        for entry, h in zip(entries, st.handlers, strict=True):
            ev = self.blocks[entry].events
            fe.expr(h.type, ev)
            if h.name is not None:
                fe.target(h.name.name, ev)
            hend = self._suite(h.body, self._new(entry))
            if hend is not None and h.name is not None:
                done = self._new(hend)  # Python deletes the `as` name when the handler ends
                self.blocks[done].events += [("d", n) for n in fe.target_names(h.name.name)]
                hend = done
            ends.append(hend)
        self._handlers.pop()
        if final is None:
            return self._join(*ends)
        self._finals.pop()
        for e in ends:
            self._edge(e, final)
        fend = self._suite(st.finalbody.body, final)
        if fend is None:
            return None
        # Returns, breaks and re-raises pass through `finally`: its end may go to any of them.
        for t in outer:
            self._edge(fend, t)
        self._jump(fend, 1)
        for cont, brk in self._loops[-1:]:
            self._edge(fend, cont)
            self._edge(fend, brk)
        return self._join(fend)

    def _jump(self, b: int, target: int, loop: bool = False) -> None:
        """A return (or break/continue with ``loop``) goes through an enclosing `finally`."""
        if self._finals and (not loop or self._finals[-1][1] == len(self._loops)):
            self._edge(b, self._finals[-1][0])
        else:
            self._edge(b, target)

    def _join(self, *ends) -> int | None:
        live = [e for e in ends if e is not None]
        if not live:
            return None
        return self._new(*live)

    def _reached(self, b: int) -> bool:
        return b in self._targets

    # ---- analyses -------------------------------------------------------------------
    def blocks_of(self, stmts) -> set[int]:
        ids = {id(s) for s in stmts}
        return {k for k, blk in enumerate(self.blocks) if ids.intersection(blk.owners)}

    def liveness(self, inside: set[int] | None = None) -> list[set[str]]:
        """live_in per block; with ``inside``, blocks outside it count as reading nothing."""
        gk = [blk.gen_kill() for blk in self.blocks]
        live = [set() for _ in self.blocks]
        changed = True
        while changed:
            changed = False
            for k in range(len(self.blocks) - 1, -1, -1):
                if inside is not None and k not in inside:
                    continue
                blk = self.blocks[k]
                out = set().union(*(live[s] for s in blk.succ)) if blk.succ else set()
                gen, kill = gk[k]
                new = gen | (out - kill)
                for h in blk.exc:
                    new |= live[h]
                if new != live[k]:
                    live[k] = new
                    changed = True
        return live

    def assigned(self, must: bool = True, entry_names=None, inside=None, start=0):
        """Names assigned on entry to each block: on every path (``must``) or on some path.

        Unreached blocks hold None. ``start`` is where the paths begin, with ``entry_names``.
        """
        n = len(self.blocks)
        state: list[set | None] = [None] * n
        state[start] = set(self.entry_names if entry_names is None else entry_names)
        work = [start]
        while work:
            k = work.pop()
            blk = self.blocks[k]
            cur = set(state[k])
            deleted = {name for kind, name in blk.events if kind == "d"}
            exc_state = cur - deleted
            for kind, name in blk.events:
                if kind == "w" or (kind == "m" and not must):
                    cur.add(name)
                elif kind == "d":
                    cur.discard(name)
            flows = [(s, cur) for s in blk.succ] + [(h, exc_state) for h in blk.exc]
            for s, st in flows:
                if inside is not None and s not in inside:
                    continue
                old = state[s]
                if old is None:
                    new = set(st)
                else:
                    new = (old & st) if must else (old | st)
                if new != old:
                    state[s] = new
                    work.append(s)
        return state

    def block_out(self, k: int, state_in: set, must: bool = True) -> set:
        cur = set(state_in)
        for kind, name in self.blocks[k].events:
            if kind == "w" or (kind == "m" and not must):
                cur.add(name)
            elif kind == "d":
                cur.discard(name)
        return cur


def irrefutable_case(case: cst.MatchCase) -> bool:
    return case.guard is None and fe.irrefutable(case.pattern)


def _always_true(test) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return test.value not in ("0", "0x0", "0o0", "0b0")
    return False


def _suppresses(item) -> bool:
    func = item.func if isinstance(item, cst.Call) else item
    name = cst.helpers.get_full_name_for_node(func) or ""
    return name.split(".")[-1] == "suppress"
