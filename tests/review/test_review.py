from hypothesis import given, settings
from hypothesis import strategies as st
from refine_lsp.review import review_document
from refine_lsp.settings import Settings, parse_settings
from refine_lsp.syntax import parse
from refine_lsp.syntax.errors import syntax_errors
from refine_lsp.text import Pos, Span, apply_edits, diff_edits
from refine_lsp.text.document import Document


def errors(src: str):
    data = src.encode()
    return [(f.code, f.span) for f in syntax_errors(parse(data), data)]


def test_missing_paren_is_a_zero_width_finding_where_it_is_missing():
    assert errors("def f(:\n    return 1\n") == [("syntax-missing", Span.of(0, 6, 0, 6))]


def test_error_range_stays_on_its_first_line():
    found = errors('x = 1\nprint("a"\ny = 2\nz = 3\n')
    assert found and all(span.start.line == span.end.line for _, span in found)
    assert found[0][1].start.line == 1


def test_valid_code_has_no_syntax_findings():
    assert errors("def ok():\n    return [i for i in range(3)]\n") == []


def test_ruff_findings_carry_fixes_that_apply():
    text = "import os\n\n\ndef f(x):\n    return x\n"
    doc = Document("file:///tmp/refine_test_mod.py", text, 1)
    findings = review_document(doc.snapshot(), Settings())
    f401 = [f for f in findings if f.code == "F401"]
    assert len(f401) == 1 and f401[0].span == Span(Pos(0, 7), Pos(0, 9))
    assert apply_edits(text, f401[0].data["edits"]) == "\n\ndef f(x):\n    return x\n"


def test_reviewers_can_be_switched_off():
    doc = Document("file:///tmp/refine_test_mod.py", "import os\nx = (\n", 1)
    only_syntax, _ = parse_settings({"reviewers": {"ruff": False}})
    codes = {f.code for f in review_document(doc.snapshot(), only_syntax)}
    assert codes and all(c.startswith("syntax") for c in codes)
    none, _ = parse_settings({"reviewers": {"ruff": False, "syntax": False}})
    assert review_document(doc.snapshot(), none) == []


def test_diff_edits_reproduce_the_new_text():
    old = "a\nb\nc\nd\n"
    new = "a\nB\nc\nd\ne"
    edits = diff_edits(old, new)
    assert apply_edits(old, edits) == new
    assert len(edits) == 2


LINES = st.sampled_from(["a\n", "b\n", "c\n", "\n", "x = 1\r\n", "é\n", "\r", "\r\n", "d", "🙂\n"])


@settings(max_examples=300, deadline=None)
@given(
    old=st.lists(LINES, max_size=40),
    changes=st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 4), st.lists(LINES, max_size=4)), max_size=6
    ),
)
def test_diff_edits_reproduce_any_edit(old, changes):
    new = list(old)
    for at, drop, insert in changes:
        new[at : at + drop] = insert
    old_text, new_text = "".join(old), "".join(new)
    edits = diff_edits(old_text, new_text)
    assert apply_edits(old_text, edits) == new_text
    if old_text == new_text:
        assert edits == []


def test_diff_edits_on_a_big_file_touch_only_the_changed_lines():
    old = [f"value_{i} = {i}\n" for i in range(3000)] + ["\n"] * 400
    new = list(old)
    new[10] = "value_10 = 'ten'\n"
    del new[1500]
    new.insert(2500, "inserted = True\n")
    edits = diff_edits("".join(old), "".join(new))
    assert apply_edits("".join(old), edits) == "".join(new)
    assert [(e.span.start.line, e.span.end.line) for e in edits] == [
        (10, 11),
        (1500, 1501),
        (2501, 2501),
    ]
