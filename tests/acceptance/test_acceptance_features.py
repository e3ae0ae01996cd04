"""Feature extraction: what the gate sees of the document, the typing, the suggestion."""

from __future__ import annotations

import math

import pytest
from refine_lsp.acceptance import syntax_probe
from refine_lsp.acceptance.features import LogProbs, context_features, suggestion_features
from refine_lsp.acceptance.state import DecisionHistory, TypingState
from refine_lsp.acceptance.user import UserSession
from refine_lsp.text import Pos, pos_of

DOC = 'import os\n\n\ndef load(path):\n    # read the file\n    name = "data.csv"\n    return os.path.join(path, name)\n'


def at(needle: str, doc: str = DOC, after: bool = True) -> Pos:
    offset = doc.index(needle) + (len(needle) if after else 0)
    return pos_of(doc, offset)


def test_cursor_in_string_comment_and_code():
    in_string = context_features(DOC, at('"data.'))
    in_comment = context_features(DOC, at("# read the"))
    in_call = context_features(DOC, at("os.path.join(path"))
    assert (in_string["c_in_string"], in_string["c_in_comment"]) == (1.0, 0.0)
    assert (in_comment["c_in_comment"], in_comment["c_in_string"]) == (1.0, 0.0)
    assert (in_call["c_in_string"], in_call["c_in_comment"]) == (0.0, 0.0)
    assert in_call["c_node_call"] == 1.0
    assert in_call["c_node_depth"] > context_features(DOC, at("import os"))["c_node_depth"]


def test_last_character_and_line_shape():
    f = context_features(DOC, at("os.path.join("))
    assert f["c_last_open"] == 1.0 and f["c_last_alnum"] == 0.0
    assert f["c_line_len"] == pytest.approx(math.log1p(len("    return os.path.join(")))
    assert f["c_indent"] == 1.0  # four spaces
    blank = context_features(DOC, Pos(1, 0))
    assert blank["c_line_blank"] == 1.0 and blank["c_last_newline"] == 1.0
    assert blank["c_rel_pos"] == pytest.approx(len("import os\n") / len(DOC))


def test_given_tree_agrees_with_local_parse():
    tree = syntax_probe.parse(DOC)
    for needle in ('"data.', "# read the", "os.path.join(path", "def load("):
        with_tree = context_features(DOC, at(needle), tree)
        without = context_features(DOC, at(needle))
        for key in ("c_in_string", "c_in_comment", "c_node_call", "c_node_string"):
            assert with_tree[key] == without[key], (needle, key)


def test_document_shape_overrides_lengths_for_excerpts():
    f = context_features("x = 1\ny = ", Pos(1, 4), document_shape=(100, 10))
    assert f["c_doc_len"] == pytest.approx(math.log1p(100))
    assert f["c_rel_pos"] == pytest.approx(0.1)


def test_suggestion_parses_only_when_it_fits():
    prefix = "def area(r):\n    return 3.14 * "
    assert suggestion_features(prefix, "r * r\n")["s_parses"] == 1.0
    assert suggestion_features(prefix, "r * (r\n")["s_parses"] == 0.0
    # A suggestion opening a block is fine although the body is not written yet.
    assert suggestion_features("for x in xs", ":")["s_parses"] == 1.0
    # Errors already in the prefix, far from the cursor, are not blamed on the suggestion.
    broken = "def f(:\n    pass\n\n\nvalue = "
    assert suggestion_features(broken, "42\n")["s_parses"] == 1.0


def test_repetition_echo_and_logprobs():
    prefix = "a = load(x)\nb = load(y)\n"
    f = suggestion_features(prefix, "a = load(x)\nc = load(z)\n", logprobs=LogProbs(-0.5, -2.0, 8))
    assert f["s_repeats_nearby"] == 0.5
    assert f["s_lines"] == pytest.approx(math.log1p(2))
    assert (f["s_has_logprobs"], f["s_mean_logprob"], f["s_logprob_margin"]) == (1.0, -0.5, 1.5)
    assert suggestion_features("x = np.m", "mean(x)")["s_echo"] == pytest.approx(math.log1p(1))
    assert suggestion_features("x = ", "np.mean(x)")["s_echo"] == 0.0
    none = suggestion_features(prefix, "pass")
    assert none["s_has_logprobs"] == 0.0 and none["s_mean_logprob"] == 0.0


def test_logprobs_from_tokens():
    lp = LogProbs.from_tokens([-0.1, -0.3, float("nan")], [[-0.1, -2.0], [-0.3, -1.0]])
    assert lp.mean == pytest.approx(-0.2) and lp.tokens == 2
    assert lp.alternative_mean == pytest.approx(-1.5)
    assert LogProbs.from_tokens([]) is None


def test_typing_state_speed_burst_and_pause():
    typing = TypingState()
    assert typing.features(5.0)["t_speed"] == 0.0
    for i in range(10):  # a pause, then ten keystrokes 0.1 s apart
        typing.record_change(100.0 + i * 0.1, 1)
    f = typing.features(101.0)
    assert f["t_since_key"] == pytest.approx(math.log1p(0.1))
    assert f["t_burst_chars"] == pytest.approx(math.log1p(10))
    assert f["t_speed"] == pytest.approx(math.log1p(10 / 10.0))
    typing.record_change(104.0, 3)  # after a 3.1 s pause
    f = typing.features(104.0)
    assert f["t_burst_chars"] == pytest.approx(math.log1p(3))
    assert f["t_pause_before_burst"] == pytest.approx(math.log1p(3.1))


def test_history_rates_streak_and_rejected_texts():
    history = DecisionHistory()
    prior_rate = history.running_rate()
    history.record(1.0, True)
    for t in (1.5, 2.0, 2.5):
        history.record(t, False, "pass")
    history.record(3.0, False, "print(x)")
    f = history.features(5.0)
    assert f["h_prev_accepted"] == 0.0
    assert f["h_reject_streak"] == pytest.approx(math.log1p(4))
    assert f["h_since_decision"] == pytest.approx(math.log1p(2.0))
    assert history.running_rate() < prior_rate
    assert history.was_rejected("  print(x)\n") and not history.was_rejected("print(y)")


def test_session_relates_a_suggestion_to_the_last_one_shown():
    session = UserSession()
    session.record_shown(10.0, "x = np.", "mean(a)")
    f1 = session.stage1_features("x = np.me", Pos(0, 9), 11.0)
    assert f1["r_since_shown"] == pytest.approx(math.log1p(1.0))
    f2 = session.stage2_features(f1, "x = np.me", "an(a)")
    assert f2["r_typed_along"] == 1.0 and f2["r_same_completion"] == 1.0
    f2 = session.stage2_features(f1, "x = np.me", "dian(a)")
    assert f2["r_typed_along"] == 1.0 and f2["r_same_completion"] == 0.0


LONG = "".join(f"value_{i} = compute({i})\n" for i in range(40)) + "total = value_1 + "


def test_stage1_relates_the_cursor_to_the_last_shown_suggestion():
    """Known before any model call: re-asking at the same prefix, typing along the last
    suggestion, typing something else, or being elsewhere in the document."""
    end = pos_of(LONG, len(LONG))
    session = UserSession()
    session.record_shown(1.0, LONG, "value_2\n")
    same = session.stage1_features(LONG, end, 2.0)
    assert same["r_same_prefix"] == 1.0 and same["r_typed_along"] == 0.0
    along = LONG + "val"
    f = session.stage1_features(along, pos_of(along, len(along)), 2.0)
    assert (f["r_same_prefix"], f["r_typed_along"], f["r_diverged"]) == (0.0, 1.0, 0.0)
    assert f["r_typed_since_shown"] == pytest.approx(math.log1p(3))
    other = LONG + "max("
    f = session.stage1_features(other, pos_of(other, len(other)), 2.0)
    assert (f["r_typed_along"], f["r_diverged"]) == (0.0, 1.0)
    elsewhere = session.stage1_features(LONG, Pos(3, 0), 2.0)
    assert elsewhere["r_same_prefix"] == 0.0 and elsewhere["r_diverged"] == 0.0
    assert elsewhere["r_typed_since_shown"] == pytest.approx(math.log1p(200))


def test_relation_is_the_same_whether_the_caller_keeps_the_whole_prefix_or_its_tail():
    """The server remembers the last 200 characters of a shown suggestion's prefix, the
    offline replay the whole prompt: both must give the model the same features."""
    typed = LONG + "value_"
    cursor = pos_of(typed, len(typed))
    rows = []
    for remembered in (LONG, LONG[-200:]):
        session = UserSession()
        session.record_shown(1.0, remembered, "value_2\n")
        f1 = session.stage1_features(typed, cursor, 2.0)
        rows.append(session.stage2_features(f1, typed, "2\n"))
    assert rows[0] == rows[1]
    assert rows[0]["r_typed_along"] == 1.0 and rows[0]["r_same_completion"] == 1.0


def test_overlap_with_the_last_shown_suggestion():
    session = UserSession()
    f1 = session.stage1_features("x = ", Pos(0, 4), 1.0)
    assert session.stage2_features(f1, "x = ", "load(path)")["s_overlap_last_shown"] == 0.0
    session.record_shown(1.0, "x = ", "load(path)")
    f1 = session.stage1_features("x = ", Pos(0, 4), 2.0)
    assert session.stage2_features(f1, "x = ", "load(path)")["s_overlap_last_shown"] == 1.0
    half = session.stage2_features(f1, "x = ", "load(name)")["s_overlap_last_shown"]
    assert half == pytest.approx(1 / 3)


def test_accepted_just_now_only_right_after_an_acceptance():
    history = DecisionHistory()
    history.record(1.0, True)
    assert history.features(5.0)["h_accepted_just_now"] == 1.0
    assert history.features(30.0)["h_accepted_just_now"] == 0.0
    history.record(31.0, False)
    assert history.features(32.0)["h_accepted_just_now"] == 0.0


def test_suggestion_shape_and_logprob_by_length():
    comments = suggestion_features("", "# one\n\n# two\n")
    assert comments["s_comment_only"] == 1.0 and comments["s_code_lines"] == 2.0
    code = suggestion_features("", "x = 1  # set\ny = 2\n")
    assert code["s_comment_only"] == 0.0
    lp = suggestion_features("", "abc", logprobs=LogProbs(-0.5, None, 3))
    assert lp["s_logprob_x_len"] == pytest.approx(-0.5 * math.log1p(3))
    assert suggestion_features("", "abc")["s_logprob_x_len"] == 0.0


def test_gaps_bend_at_their_knots():
    """A gap's hinges are zero below each knot and grow with the log gap above it."""
    from refine_lsp.acceptance.state import GAP_KNOTS_S, gap_features

    short = gap_features("g", 1.0)
    assert short["g"] == pytest.approx(math.log1p(1.0))
    assert all(short[f"g_{k:g}s"] == 0.0 for k in GAP_KNOTS_S)
    mid = gap_features("g", 60.0)
    assert mid["g_2s"] == pytest.approx(math.log1p(60.0) - math.log1p(2.0))
    assert mid["g_20s"] == pytest.approx(math.log1p(60.0) - math.log1p(20.0))
    assert mid["g_120s"] == 0.0
    never = gap_features("g", None)  # never: as long ago as the features look
    assert never["g_120s"] > 0.0 and never == gap_features("g", 1e6)
    typing = TypingState()
    typing.record_change(100.0, 1)
    f = typing.features(130.0)
    assert f["t_since_key_20s"] == pytest.approx(math.log1p(30.0) - math.log1p(20.0))


@pytest.mark.parametrize(
    ("length", "cls"),
    [(0, 0), (1, 0), (2, 1), (6, 1), (7, 2), (19, 2), (53, 3), (147, 4), (500, 5)],
)
def test_suggestion_length_class_is_one_hot(length, cls):
    f = suggestion_features("", "x" * length)
    classes = [f[f"s_len_class{i}"] for i in range(6)]
    assert classes == [1.0 if i == cls else 0.0 for i in range(6)]
