"""`"%s" % (a,)` and `"{}".format(a)` become f-strings where that is exact.

`%` formatting is rewritten only for `%s`, `%r`, `%a` (and `%%`) with a tuple literal on the
right: `"%s" % x` behaves differently when `x` is a tuple at run time. `.format` fields may
use positions, keywords, conversions and simple format specs; each argument must be used
once (or be a plain name), since the f-string evaluates every field.
"""

from __future__ import annotations

import re
import string

import libcst as cst

from ..text import Span
from .chunk import parse_chunk
from .model import Offer, Refusal, offer
from .tsview import SourceView, ancestors

NOT_HERE = "Put the cursor on a `%` or `.format` call on a string literal"
PERCENT_SPEC = "Only `%s`, `%r` and `%a` convert exactly to f-string fields"
NOT_TUPLE = "The right side of `%` must be a tuple literal (a tuple value would format differently)"
COUNT = "The number of fields and arguments differ"
ARG_TEXT = "An argument contains quotes, backslashes, braces or newlines"
FIELD = "Field `{}` cannot be expressed in an f-string here"
REUSED = "Argument `{}` is used twice and would be evaluated twice"
STARRED = "`*args`/`**kwargs` arguments are not rewritten"
ORDER = "The fields use the arguments in another order than they are evaluated"
MIXED = "The string mixes automatic `{}` and numbered `{0}` fields (str.format rejects it)"
PREFIX = "Bytes and already-formatted strings are not rewritten"

_PERCENT = re.compile(r"%(.)")


def list_offer(view: SourceView, span: Span) -> Offer | None:
    node = view.node_at(view.trimmed(span))
    for n in ancestors(node):
        if n.type == "binary_operator" and n.child_by_field_name("left").type == "string":
            op = n.child_by_field_name("operator")
            if op is not None and op.type == "%":
                return offer("rewrite.fstring", _listing_refusal(view, n))
        if n.type == "call":
            func = n.child_by_field_name("function")
            if (
                func.type == "attribute"
                and view.text(func.child_by_field_name("attribute")) == ("format")
                and func.child_by_field_name("object").type == "string"
            ):
                return offer("rewrite.fstring", _listing_refusal(view, n))
        if n.type.endswith("statement") or n.type in ("block", "module"):
            return None
    return None


def compute(source: str, span: Span, view: SourceView | None = None) -> str:
    view = view or SourceView(source)
    trimmed = view.trimmed(span)
    chunk = parse_chunk(source, trimmed, view)
    s = chunk.cpos(trimmed.start)
    hits = []

    class Visitor(cst.CSTVisitor):
        def on_visit(self, node) -> bool:
            if node in chunk.positions and chunk.start(node) <= s <= chunk.end(node):
                if _shape(node) is not None:
                    hits.append(node)
            return True

    chunk.module.visit(Visitor())
    if not hits:
        raise Refusal(NOT_HERE)
    node = hits[-1]
    new = _rewrite(node, chunk.code)
    replacement = new.with_changes(lpar=node.lpar, rpar=node.rpar)
    tree = chunk.replace(node, replacement)
    return chunk.splice(tree)


def _rewrite(node, code_of) -> cst.BaseExpression:
    """The f-string for a `%` or `.format` node; ``code_of`` gives a node's source text."""
    literal, args, kwargs = _shape(node)
    quote_char = literal.quote[0]
    prefix = literal.prefix.lower()
    if "b" in prefix or "f" in prefix:
        raise Refusal(PREFIX)
    body = literal.value[len(literal.prefix) + len(literal.quote) : -len(literal.quote)]
    texts = {}
    for key, arg in list(enumerate(args)) + list(kwargs.items()):
        code = code_of(arg).strip()
        if any(c in code for c in ("\\", "\n", "{", "}", "#", quote_char)) or (
            isinstance(arg, (cst.Lambda, cst.NamedExpr))
        ):
            raise Refusal(ARG_TEXT)
        if isinstance(arg, cst.IfExp) and not arg.lpar:
            code = f"({code})"
        texts[key] = code
    if isinstance(node, cst.BinaryOperation):
        new_body = _from_percent(body, texts)
    else:
        plain = {
            k: isinstance(a, cst.Name) for k, a in list(enumerate(args)) + list(kwargs.items())
        }
        new_body = _from_format(body, texts, plain)
    new_prefix = "f" + prefix.replace("u", "")
    try:
        return cst.parse_expression(f"{new_prefix}{literal.quote}{new_body}{literal.quote}")
    except cst.ParserSyntaxError:
        raise Refusal(ARG_TEXT) from None


def _listing_refusal(view: SourceView, node) -> str | None:
    """What compute would refuse, checked on the expression alone (a few microseconds)."""
    text = view.text(node)
    try:
        expr = cst.parse_expression(text if "\n" not in text else f"({text})")
    except cst.ParserSyntaxError:
        return None  # compute parses the whole chunk and says why
    module = cst.Module([])
    try:
        if _shape(expr) is None:
            return NOT_HERE
        _rewrite(expr, module.code_for_node)
    except Refusal as exc:
        return str(exc)
    return None


def _shape(node):
    """(string literal, positional args, keyword args) of a `%` or `.format` on a literal."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        if isinstance(node.left, cst.SimpleString):
            right = node.right
            if not isinstance(right, cst.Tuple):
                raise Refusal(NOT_TUPLE)
            if any(isinstance(e, cst.StarredElement) for e in right.elements):
                raise Refusal(STARRED)
            return node.left, [e.value for e in right.elements], {}
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if isinstance(node.func.value, cst.SimpleString) and node.func.attr.value == "format":
            if any(a.star for a in node.args):
                raise Refusal(STARRED)
            pos = [a.value for a in node.args if a.keyword is None]
            kw = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
            return node.func.value, pos, kw
    return None


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _from_percent(body: str, texts: dict) -> str:
    out, last, i = [], 0, 0
    for m in _PERCENT.finditer(body):
        out.append(_escape(body[last : m.start()]))
        spec = m.group(1)
        if spec == "%":
            out.append("%")
        elif spec in "sra":
            if i not in texts:
                raise Refusal(COUNT)
            out.append("{" + texts[i] + ("" if spec == "s" else "!" + spec) + "}")
            i += 1
        else:
            raise Refusal(PERCENT_SPEC)
        last = m.end()
    if "%" in body[last:] or i != len(texts):
        raise Refusal(COUNT if "%" not in body[last:] else PERCENT_SPEC)
    out.append(_escape(body[last:]))
    return "".join(out)


def _from_format(body: str, texts: dict, plain: dict) -> str:
    if "\\N{" in body:
        raise Refusal(FIELD.format("\\N{...}"))
    out, auto, used, order, modes = [], 0, set(), [], set()
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError:
        raise Refusal(FIELD.format(body)) from None
    for literal, field, spec, conv in parsed:
        out.append(_escape(literal))
        if field is None:
            continue
        if field == "":
            key, auto = auto, auto + 1
            modes.add("auto")
        elif field.isdigit():
            key = int(field)
            modes.add("manual")
        elif field.isidentifier():
            key = field
        else:
            raise Refusal(FIELD.format(field))
        if len(modes) > 1:
            raise Refusal(MIXED)
        if key not in texts:
            raise Refusal(FIELD.format(field))
        if key in used and not plain[key]:
            raise Refusal(REUSED.format(texts[key]))
        used.add(key)
        order.append(key)
        text = texts[key]
        if spec and "{" in spec:
            raise Refusal(FIELD.format(field))
        out.append("{" + text + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}")
    if used != set(texts):
        raise Refusal(COUNT)
    first_use = list(dict.fromkeys(order))
    if not all(plain.values()) and first_use != list(texts):
        raise Refusal(ORDER)
    return "".join(out)
