"""Incremental documents: text and tree always equal a fresh full parse."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from refine_lsp.syntax import parse
from refine_lsp.text import Pos
from refine_lsp.text.document import UTF8, UTF16, UTF32, Document

SOURCE = 'def f(x):\r\n    """Grüße 😀"""\n    return x + 1\n\nclass C:\n    pass\n'


def shape(node):
    return (
        node.type,
        node.start_byte,
        node.end_byte,
        node.start_point,
        node.end_point,
        tuple(shape(c) for c in node.children),
    )


def units(s: str, enc: str) -> int:
    if enc == UTF8:
        return len(s.encode())
    if enc == UTF16:
        return len(s.encode("utf-16-le")) // 2
    return len(s)


def client_pos(text: str, offset: int, enc: str) -> tuple[int, int]:
    before = text[:offset]
    line = before.count("\n")
    col_text = before[before.rfind("\n") + 1 :]
    return line, units(col_text, enc)


@pytest.mark.parametrize("enc", [UTF8, UTF16, UTF32])
def test_astral_and_crlf_positions(enc):
    doc = Document("file:///t.py", SOURCE, 1, enc)
    line1 = '    """Grüße 😀"""'
    # The character just after the emoji, in the client's units.
    character = units(line1[: line1.index("😀") + 1], enc)
    assert doc.from_client(1, character) == Pos(1, line1.index("😀") + 1)
    assert doc.to_client(Pos(1, line1.index("😀") + 1)) == (1, character)
    # Past the end of a CRLF line clamps before the \r\n.
    assert doc.from_client(0, 999) == Pos(0, len("def f(x):"))
    # Past the last line clamps to the end of the document.
    assert doc.from_client(99, 0) == Pos(6, 0)


def test_insert_after_astral_character_utf16():
    doc = Document("file:///t.py", SOURCE, 1, UTF16)
    line1 = '    """Grüße 😀"""'
    at = units(line1[: line1.index("😀") + 1], UTF16)
    doc.apply_change("!", (1, at), (1, at))
    assert doc.text == SOURCE.replace("😀", "😀!")
    assert shape(doc.tree.root_node) == shape(parse(doc.text).root_node)


alphabet = st.sampled_from(
    list("abcxyz_019 ()[]:=+-*\"'#\n\t") + ["\r\n", "é", "😀", "中", "def ", "return ", "    "]
)


@st.composite
def edits(draw, text_len_hint=200):
    n = draw(st.integers(1, 12))
    return [
        (
            draw(st.integers(0, 10_000)),
            draw(st.integers(0, 60)),
            "".join(draw(st.lists(alphabet, max_size=8))),
        )
        for _ in range(n)
    ]


@settings(max_examples=150, deadline=None)
@given(enc=st.sampled_from([UTF8, UTF16, UTF32]), steps=edits())
def test_random_incremental_edits_match_full_parse(enc, steps):
    text = SOURCE
    doc = Document("file:///t.py", text, 1, enc)
    for start_seed, length, new in steps:
        start = start_seed % (len(text) + 1)
        end = min(len(text), start + length)
        # Never split a CRLF pair: a client would not either.
        if 0 < start < len(text) and text[start - 1] == "\r" and text[start] == "\n":
            start -= 1
        if 0 < end < len(text) and text[end - 1] == "\r" and text[end] == "\n":
            end += 1
        s, e = client_pos(text, start, enc), client_pos(text, end, enc)
        doc.apply_change(new, s, e)
        text = text[:start] + new + text[end:]
        assert doc.text == text
    assert shape(doc.tree.root_node) == shape(parse(text).root_node)
    # The line index matches a fresh one.
    assert doc.line_starts == Document("file:///u.py", text, 1, enc).line_starts


def test_full_change_replaces_everything():
    doc = Document("file:///t.py", SOURCE, 1)
    doc.apply_change("x = 1\n", None, None)
    assert doc.text == "x = 1\n"
    assert str(doc.tree.root_node) == str(parse("x = 1\n").root_node)


def test_out_of_range_edit_is_clamped_not_crashing():
    doc = Document("file:///t.py", "a = 1\n", 1)
    doc.apply_change("b", (50, 3), (80, 0))
    assert doc.text == "a = 1\nb"


def test_least_recent_trees_are_dropped_and_rebuilt_on_use():
    from refine_lsp.text.document import DocumentStore

    store = DocumentStore(max_trees=2)
    docs = [store.open(f"file:///d{i}.py", f"x{i} = {i}\n", 1) for i in range(3)]
    assert [d.tree is not None for d in docs] == [False, True, True]
    # Edits to a document without a tree keep the text exact; its tree comes back on use.
    store.touch(docs[0].uri)
    docs[0].apply_change("y", (0, 0), (0, 2))
    assert docs[0].text == "y = 0\n"
    snap = docs[0].snapshot()
    assert shape(snap.tree.root_node) == shape(parse("y = 0\n").root_node)
    # The snapshot's tree is a copy: later edits do not change it.
    docs[0].apply_change("zz", (0, 0), (0, 1))
    assert snap.tree.root_node.end_byte == len("y = 0\n")


def test_a_document_read_for_positions_only_is_parsed_when_a_tree_is_asked_for():
    text = "x = '🐍'; y = 1\nz = x\n"
    doc = Document("file:///t.py", text, 0, UTF16, parse=False)
    parsed = Document("file:///t.py", text, 0, UTF16)
    assert doc.tree is None
    for pos in (Pos(0, 0), Pos(0, 7), Pos(0, 12), Pos(1, 4)):
        assert doc.to_client(pos) == parsed.to_client(pos)
    assert doc.from_client(0, 9) == parsed.from_client(0, 9)
    assert doc.ensure_tree() is not None
    assert str(doc.tree.root_node) == str(parsed.tree.root_node)
