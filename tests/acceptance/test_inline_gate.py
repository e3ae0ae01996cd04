"""The inline cascade without LSP (acceptance/inline_gate.py): stage 1 spares the model call,
stage 2 hides what was generated, and only what is shown waits for the user's decision."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from refine_lsp.acceptance.inline_gate import suggest
from refine_lsp.acceptance.suggestions import Suggestions
from refine_lsp.settings import parse_settings
from refine_lsp.syntax import parse
from refine_lsp.text import Pos

TEXT = "def area(w, h):\n    return \n"
CURSOR = Pos(1, 11)
OFFSET = TEXT.index("return ") + len("return ")


class Gate:
    """The real gate, except that stage 1 and stage 2 answer as told; counts what was asked."""

    def __init__(self, real, first: bool, second: bool):
        self.real, self.first, self.second, self.asked = real, first, second, []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def stage1(self, features):
        self.asked.append(1)
        return SimpleNamespace(show=self.first)

    def stage2(self, features):
        self.asked.append(2)
        return SimpleNamespace(show=self.second)


@pytest.fixture
def sug(tmp_path, monkeypatch):
    monkeypatch.setenv("REFINE_LSP_STATE_DIR", str(tmp_path / "state"))
    settings, errors = parse_settings({"acceptance": {"record": True}})
    assert not errors
    s = Suggestions(settings)
    yield s
    s.close()


def run(sug, *, answer="w * h", current=True, gate_on=True):
    calls = []

    async def complete(prefix, suffix):
        calls.append((prefix, suffix))
        return None if answer is None else SimpleNamespace(text=answer, logprobs=None)

    outcome = asyncio.run(
        suggest(
            sug,
            uri="file:///area.py",
            text=TEXT,
            offset=OFFSET,
            cursor=CURSOR,
            tree=parse(TEXT),
            complete=complete,
            gate_on=gate_on,
            current=lambda: current,
        )
    )
    return outcome, calls


def test_shown_waits_for_the_users_decision(sug):
    sug.gate = Gate(sug.gate, True, True)
    outcome, calls = run(sug)
    assert outcome.status == "shown" and outcome.text == "w * h"
    assert calls == [(TEXT[:OFFSET], TEXT[OFFSET:])]
    assert sug.pending[outcome.sid].text == "w * h"
    assert sug.settle(outcome.sid, "accepted")
    assert sug.stats == {"stage1_skipped": 0, "model_calls": 1, "stage2_hidden": 0}


def test_stage_one_spares_the_model_call(sug):
    sug.gate = Gate(sug.gate, False, True)
    outcome, calls = run(sug)
    assert outcome.status == "skipped" and calls == [] and sug.gate.asked == [1]
    assert sug.stats["stage1_skipped"] == 1 and sug.stats["model_calls"] == 0
    assert sug.pending == {}


def test_stage_two_hides_what_was_generated(sug):
    sug.gate = Gate(sug.gate, True, False)
    outcome, calls = run(sug)
    assert outcome.status == "hidden" and len(calls) == 1 and sug.gate.asked == [1, 2]
    assert sug.stats["stage2_hidden"] == 1 and sug.pending == {}


def test_gate_off_asks_neither_stage(sug):
    sug.gate = Gate(sug.gate, False, False)
    outcome, _ = run(sug, gate_on=False)
    assert outcome.status == "shown" and sug.gate.asked == []


@pytest.mark.parametrize(
    ("answer", "current", "status"), [(None, True, "empty"), ("x", False, "stale")]
)
def test_nothing_or_a_stale_document_shows_nothing(sug, answer, current, status):
    sug.gate = Gate(sug.gate, True, True)
    outcome, calls = run(sug, answer=answer, current=current)
    assert outcome.status == status and len(calls) == 1 and sug.pending == {}
