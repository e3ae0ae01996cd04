"""Small deterministic runnable programs for differential testing of the refactorings.

A grammar of our own driven by a seeded random.Random: functions with loops (break,
continue, else, `while True`), if/elif chains, try/except/else/finally (with a return or
break leaving the body), with, match (captures, guards, `as`, class and mapping patterns),
list/set/dict comprehensions (nested, with `:=`), generator expressions, lambdas (with
defaults) and closures (reading names assigned after them), nested functions and classes,
global and nonlocal, generators (yield, yield from a generator that returns, send), async
functions run with asyncio.run (await, async with, async for), walrus, del (also on some
paths), augmented assignment, star unpacking, assert, defaults, *args/**kwargs used in the
body and passed, methods using self, names bound on some paths only, f-strings, %-format
and str.format, `== None`, append loops and boolean returns; module-level code in a `try`
sets globals the functions read. Every program ends in a driver that calls each function
on fixed inputs and prints the results or the exception types; loops are bounded, so
every program terminates.
"""

from __future__ import annotations

import random

PRELUDE = """\
import asyncio
import contextlib

COUNT = 0
t = 7  # a global the functions' locals may shadow


def h(v):
    print("h", v)
    return v


async def co(v):
    await asyncio.sleep(0)
    return v


class Ctx:
    def __init__(self, tag):
        self.tag = tag

    def __enter__(self):
        print("enter", self.tag)
        return self.tag

    def __exit__(self, *exc):
        print("exit", self.tag, exc[0].__name__ if exc[0] else None)
        return False


class Point:
    __match_args__ = ("x", "y")

    def __init__(self, x, y):
        self.x, self.y = x, y


class ACtx:
    def __init__(self, tag):
        self.tag = tag

    async def __aenter__(self):
        print("aenter", self.tag)
        return self.tag

    async def __aexit__(self, *exc):
        print("aexit", self.tag, exc[0].__name__ if exc[0] else None)
        return False


async def agen(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i


def sub(v):
    got = yield v
    print("sub got", got)
    return got
"""

POOL = ["a", "b", "x", "y", "z", "t"]
CAPTURES = ["p", "q", "r"]


class Gen:
    def __init__(self, rnd: random.Random):
        self.r = rnd
        self.loop_id = 0

    # ---- expressions ------------------------------------------------------------------
    def name(self) -> str:
        return self.r.choice(POOL)

    def expr(self, d: int = 0) -> str:
        got, sized = self._expr(d)
        # Strings and lists inside arithmetic mostly raise TypeError and end the call early.
        return f"len({got})" if sized and d and self.r.random() < 0.8 else got

    def _expr(self, d: int) -> tuple[str, bool]:
        got = self._value(d)
        return got, got.startswith(("[", '"', "f'", "sorted("))

    def _value(self, d: int) -> str:
        r = self.r
        if d > 1 or r.random() < (0.5 if d else 0.3):
            return r.choice([str(r.randint(0, 5)), self.name(), self.name(), "len(items)"])
        k = r.randint(0, 27)
        e = lambda: self.expr(d + 1)  # noqa: E731
        if k == 0:
            return f"({e()} {r.choice(['+', '-', '*', '//', '%'])} {e()})"
        if k == 1:
            return f"h({e()})"
        if k == 2:
            return f"({e()} {r.choice(['<', '==', '>=', '!='])} {e()})"
        if k == 3:
            return f"({e()} {r.choice(['and', 'or'])} {e()})"
        if k == 4:
            return f"({e()} if {e()} else {e()})"
        if k == 5:
            return f"({self.name()} := {e()})"
        if k == 6:
            return f"items[{e()} % 3]"
        if k == 7:
            return f"sum([q * 2 for q in items if q > {e()}])"
        if k == 8:
            return f"sum(q + {e()} for q in items)"
        if k == 9:
            return f"(lambda q: q + {e()})({e()})"
        if k == 10:
            return f'"%s-%s" % ({e()}, {e()})'
        if k == 11:
            return f'"{{}}:{{!r}}".format({e()}, {e()})'
        if k == 12:
            return f'"%d%%" % {e()}'
        if k == 13:
            return f"({e()} {r.choice(['==', '!='])} None)"
        if k == 14:
            return f"(not {e()})"
        if k == 15:
            return f"[{e()}, {e()}]"
        if k == 16:
            return f"(-{e()})"
        if k == 17:
            return f"({e()} < {e()} <= {e()})"
        if k == 18:
            return f"len({{q % 2 for q in items if q != {e()}}})"
        if k == 19:
            return f"sorted({{q: q * {e()} for q in items}}.items())"
        if k == 20:
            return f"[q + r for q in items for r in range(2) if r < {e()}]"
        if k == 21 and d == 0:  # an f-string is never nested in another (3.11)
            return f"f'{{{e()}}}-{{{e()}!r}}'"
        if k == 22:
            return f"max(*items, {e()})"
        if k == 23:
            return f"h(v={e()})"
        if k == 24:
            return f"max((q for q in items), default={e()})"
        if k == 25 and d == 0:
            return f"[({self.name()} := q) for q in items]"
        if k == 26:
            return f"(lambda q, k={e()}: q * k)({e()})"
        return f"h({e()}) + h({e()})"

    # ---- statements -------------------------------------------------------------------
    def block(self, d: int, ctx: dict, n: int | None = None) -> list[str]:
        n = n if n is not None else self.r.randint(1, 2)
        out: list[str] = []
        for _ in range(n):
            out += self.stmt(d, ctx)
        return out or ["pass"]

    def stmt(self, d: int, ctx: dict) -> list[str]:
        r = self.r
        simple = d >= 2 or r.random() < 0.5
        if simple:
            return self.simple(ctx)
        k = r.randint(0, 21)
        k = {12: 7, 13: 7, 14: 8}.get(k, k)  # rewrites need their shapes: make them common
        ind = lambda lines: ["    " + x for x in lines]  # noqa: E731
        if k == 0:
            out = [f"if {self.expr()}:"] + ind(self.block(d + 1, ctx))
            for _ in range(r.randint(0, 2)):
                out += [f"elif {self.expr()}:"] + ind(self.block(d + 1, ctx))
            if r.random() < 0.5:
                out += ["else:"] + ind(self.block(d + 1, ctx))
            return out
        if k == 1:
            it = r.choice(["items", f"range({r.randint(0, 3)})", "[a, b]"])
            inner = dict(ctx, loop=True)
            out = [f"for {self.name()} in {it}:"] + ind(self.block(d + 1, inner))
            if r.random() < 0.4:
                out += ["else:"] + ind(self.block(d + 1, ctx))
            return out
        if k == 2:
            self.loop_id += 1
            w = f"w{self.loop_id}"
            inner = dict(ctx, loop=True)
            out = [f"{w} = 0", f"while {w} < {r.randint(1, 3)}:", f"    {w} += 1"]
            out += ind(self.block(d + 1, inner))
            if r.random() < 0.3:
                out += ["else:"] + ind(self.block(d + 1, ctx))
            return out
        if k == 3:
            out = ["try:"] + ind(self.block(d + 1, ctx))
            exc = r.choice(["ZeroDivisionError", "(IndexError, TypeError)", "ValueError"])
            if r.random() < 0.5:
                out += [f"except {exc} as err:", "    print(type(err).__name__)"]
                out += ind(self.block(d + 1, ctx, r.randint(0, 1)))
            else:
                out += [f"except {exc}:"] + ind(self.block(d + 1, ctx))
            if r.random() < 0.3:
                out += ["else:"] + ind(self.block(d + 1, ctx))
            if r.random() < 0.4:
                out += ["finally:"] + ind(self.block(d + 1, ctx))
            return out
        if k == 4:
            if r.random() < 0.3:
                head = "with contextlib.suppress(ZeroDivisionError):"
            else:
                head = f"with Ctx({self.expr()}) as {self.name()}:"
            return [head] + ind(self.block(d + 1, ctx))
        if k == 5:
            return self.match(d, ctx)
        if k == 6:
            return [f"if ({self.name()} := {self.expr()}):"] + ind(self.block(d + 1, ctx))
        if k == 7:
            v = self.name()
            cond = f"if {self.expr()}:"
            body = [f"    {v}.append({self.expr()})"]
            loop = [f"for q in {r.choice(['items', 'range(3)'])}:"]
            if r.random() < 0.5:
                loop += ["    " + cond, "    " + body[0]]
            else:
                loop += body
            return [f"{v} = []"] + loop + [f"print({v})"]
        if k == 8 and not ctx.get("module"):
            return [f"if {self.expr()}:", "    return True", "else:", "    return False"]
        if k == 9 and not ctx.get("async") and not ctx.get("module"):
            v = self.name()
            return [
                f"{v} = {self.expr()}",
                "def inner(q):",
                f"    nonlocal {v}",
                f"    {v} = q + {self.expr()}",
                f"    return {v}",
                f"print(inner({self.expr()}), {v})",
            ]
        if k == 10:
            v = self.name()
            return [f"g = lambda q: q + {v}", f"print(g({self.expr()}))"]
        if k == 11 and ctx.get("async"):
            if r.random() < 0.5:
                head = f"async with ACtx({self.expr()}) as {self.name()}:"
                return [head] + ind(self.block(d + 1, ctx))
            inner = dict(ctx, loop=True)
            out = [f"async for {self.name()} in agen({r.randint(0, 3)}):"]
            return out + ind(self.block(d + 1, inner))
        if k == 15:  # a closure that reads a name assigned after it is made
            v = self.name()
            return [
                f"def get(q={self.expr()}):",
                f"    return q + {v}",
                f"{v} = {self.expr()}",
                "print(get())",
            ]
        if k == 16:  # a name bound on some paths only, read after them
            v = self.name()
            if r.random() < 0.5:
                return [f"if {self.expr()}:", f"    {v} = {self.expr()}", f"print({v})"]
            return [f"for {v} in range({r.randint(0, 2)}):", "    pass", f"print({v})"]
        if k == 17:
            self.loop_id += 1
            w = f"w{self.loop_id}"
            inner = dict(ctx, loop=True)
            out = [f"{w} = 0", "while True:", f"    {w} += 1", f"    if {w} > {r.randint(1, 3)}:"]
            return out + ["        break"] + ind(self.block(d + 1, inner))
        if k == 18 and not ctx.get("async"):
            return [
                "def bump(q):",
                "    global COUNT",
                f"    COUNT += q + {self.expr()}",
                "    return COUNT",
                f"print(bump({self.expr()}))",
            ]
        if k == 19 and (ctx.get("loop") or not ctx.get("module")):  # try/finally, jump out
            can_return = not ctx.get("module")
            jump = "break" if ctx.get("loop") and (r.random() < 0.5 or not can_return) else ""
            jump = jump or f"return {self.expr()}"
            body = self.block(d + 1, ctx) + [f"if {self.expr()}:", f"    {jump}"]
            return ["try:"] + ind(body) + ["finally:"] + ind(self.block(d + 1, ctx))
        if k == 20 and not ctx.get("module"):  # a nested function reading the enclosing locals
            inner = {"nested": True, "top": False}
            body = self.block(d + 1, inner, r.randint(1, 3)) + [f"return {self.expr()}"]
            return ["def nested(q):"] + ind(body) + [f"print(nested({self.expr()}))"]
        if k == 21:  # a class body: its names are not visible in its methods
            v, value = self.name(), self.expr()
            while ":=" in value and " for " in value:  # not allowed in a class body
                value = self.expr()
            return [
                "class K:",
                f"    {v} = {value}",
                "    def m(self):",
                f"        return self.{v} + {self.expr()}",
                f"print(K().m(), K.{v})",
            ]
        return [f"print({self.expr()})"]

    def simple(self, ctx: dict) -> list[str]:
        r = self.r
        k = r.randint(0, 20)
        if k <= 2:
            return [f"{self.name()} = {self.expr()}"]
        if k == 3:
            return [f"{self.name()} {r.choice(['+=', '-=', '*='])} {self.expr()}"]
        if k <= 5:
            return [f"print({self.expr()}, {self.name()})"]
        if k == 6:
            return [f"del {self.name()}"]
        if k == 7 and ctx.get("loop"):
            return [f"if {self.expr()}:", f"    {r.choice(['break', 'continue'])}"]
        if k == 8 and ctx.get("gen"):
            return [r.choice([f"{self.name()} = yield {self.expr()}", f"yield {self.expr()}",
                              "yield from range(2)"])]  # fmt: skip
        if k == 9 and ctx.get("async"):
            return [f"{self.name()} = await co({self.expr()})"]
        if k == 10:
            return [f"COUNT += {self.expr()}"] if ctx.get("top") else []
        if k == 11 and not ctx.get("module"):
            return [f"if {self.expr()}:", f"    return {self.expr()}"]
        if k == 12:
            return [f"if {self.expr()}:", f"    raise ValueError({self.expr()})"]
        if k == 13:
            return [f"{self.name()}, {self.name()} = {self.expr()}, {self.expr()}"]
        if k == 14 and ctx.get("star"):
            return [r.choice([f"print(len(args), sorted(kw), {self.expr()})",
                              f"{self.name()} = sum(args, {self.expr()})",
                              "print(h(*args, **kw))"])]  # fmt: skip
        if k == 15:
            return [f"{self.name()}, *{self.name()} = [{self.expr()}, {self.expr()}]"]
        if k == 16:
            return [f"assert {self.expr()}, {self.expr()}"]
        if k == 17 and ctx.get("self"):
            return [f"self.v {r.choice(['+=', '-='])} {self.expr()}", "print(self.v)"]
        if k == 18 and ctx.get("gen"):
            return [f"{self.name()} = yield from sub({self.expr()})"]
        if k == 19 and r.random() < 0.5:
            return [f"if {self.expr()}:", f"    del {self.name()}"]
        if k == 20 or r.random() < 0.5:  # a temporary assigned once: what inline variable takes
            self.loop_id += 1
            u = f"u{self.loop_id}"
            return [f"{u} = {self.expr()}", f"print({self.expr()}, {u} + {self.expr()})"]
        return [f"{self.name()} = {self.expr()}", f"print({self.name()})"]

    def match(self, d: int, ctx: dict) -> list[str]:
        r = self.r
        subject = r.choice(["items", "(a, b)", "Point(a, b)", '{"k": a, "j": b}', "a"])
        p, q, s = CAPTURES
        cases = [
            f"[{p}]",
            f"[{p}, *{q}]",
            f"({p}, {q}) if {p} > {self.expr()}",
            f"Point(x={p}, y=0)",
            f"Point({p}, {q}) as {s}",
            f'{{"k": {p}, **{q}}}',
            "0 | 1",
            f"int({p})",
            f"[{self.name()}, {p}]",
        ]
        out = [f"match {subject}:"]
        for c in r.sample(cases, r.randint(1, 3)):
            out += [f"    case {c}:"] + ["        " + x for x in self.block(d + 2, ctx)]
        if r.random() < 0.5:
            out += [f"    case {r.choice(['_', p])}:"]
            out += ["        " + x for x in self.block(d + 2, ctx)]
        return out

    # ---- functions and the driver -----------------------------------------------------
    def function(self, name: str, kind: str) -> list[str]:
        r = self.r
        ctx = {"gen": kind == "gen", "async": kind == "async", "top": kind != "method"}
        ctx["self"] = kind == "method"
        params = ["a", "b=2", "items=(1, 2, 3)"]
        if r.random() < 0.3:
            params += ["*args", "**kw"]
            ctx["star"] = True
        self.star = ctx.get("star", False)
        lead = "async def" if kind == "async" else "def"
        if kind == "method":
            params = ["self"] + params
        head = f"{lead} {name}({', '.join(params)}):"
        body = ["global COUNT"] if ctx["top"] else []
        for v in POOL[2:]:
            if r.random() < 0.75:
                body.append(f"{v} = {r.randint(0, 4)}")
        if kind == "method":
            body.append(f"self.v = {self.expr()}")
            body.append(f"print(self.v + {self.expr()})")
        body += self.block(0, ctx, r.randint(2, 4))
        if kind == "gen":
            body.append(f"yield {self.expr()}")
        body.append(f"return {self.expr()}")
        return [head] + ["    " + x for x in body]


def program(seed: int) -> str:
    """One program for ``seed`` (the same text every time)."""
    g = Gen(random.Random(seed))
    kinds = ["plain", "plain", "gen", "async", "method", "plain"]
    chosen = [g.r.choice(kinds) for _ in range(g.r.randint(1, 2))]
    parts = [PRELUDE]
    top = ["items, a, b = [4, 1], 1, 2", "try:"]  # module-level code: globals the functions read
    top += ["    " + x for x in g.block(0, {"module": True, "top": True}, g.r.randint(1, 3))]
    top += ["except Exception as exc:", '    print("module raised", type(exc).__name__)']
    parts.append("\n".join(top) + "\n")
    calls: list[str] = []
    args = ["(1)", "(0, 3)", "(4, 0, [5, 0, 2])", "(2, -1, [])"]
    for k, kind in enumerate(chosen):
        name = f"f{k}"
        lines = g.function(name, kind)
        if kind == "method":
            lines = [f"class C{k}:"] + ["    " + x for x in lines]
        parts.append("\n".join(lines) + "\n")
        extra = ["(3, 1, [2], 9, v=1)"] if g.star else []
        for a in g.r.sample(args, 2) + extra:
            if kind == "gen":
                call = f"gen = {name}{a}\nprint(next(gen))\nprint(gen.send(7))"
                call += "\nprint(list(gen))"
            elif kind == "async":
                call = f"print(asyncio.run({name}{a}))"
            elif kind == "method":
                call = f"print(C{k}().{name}{a})"
            else:
                call = f"print({name}{a})"
            calls.append(call)
    driver = ["def main():"]
    for c in calls:
        driver += ["    try:", "        " + c.replace("\n", "\n        ")]
        driver += ["    except Exception as exc:", '        print("raised", type(exc).__name__)']
    driver += ['    print("COUNT", COUNT)', "", "", "main()"]
    parts.append("\n".join(driver) + "\n")
    return "\n\n".join(parts)


if __name__ == "__main__":
    print(program(1))
