"""The optional model critic: a reviewer model reads a fix the real checks accepted.

Against a real local HTTP server speaking the OpenAI API, so litellm itself is exercised.
"""

from __future__ import annotations

import pytest
from refine_lsp.refine.critic import VERIFIER, read_verdict
from refine_lsp.refine.loop import fix_failing_tests
from refine_lsp.settings import Model, Settings

fake = pytest.importorskip("refine_lsp.llm.fake_server")
ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
KEY = "sk-test-not-a-secret"


def _settings(url: str, reviewer: bool = True) -> Settings:
    s = Settings()
    s.model = Model(
        solver="openai/fake",
        reviewer="openai/fake-reviewer" if reviewer else None,
        api_base=url + "/v1",
        api_key_env="REFINE_FAKE_KEY",
    )
    s.model.retries = 0
    return s


def test_reading_the_critics_answer():
    ok = read_verdict("VERDICT: ACCEPT\nLooks right.", 10, 20)
    assert ok.passed and ok.verifier == VERIFIER
    no = read_verdict("verdict: **REJECT**\nLINE 2: only handles 10\n- LINE 40: elsewhere", 10, 20)
    assert not no.passed
    assert [(f.lines, f.message) for f in no.feedback] == [
        ((11,), "only handles 10"),
        ((), "elsewhere"),
    ]
    assert no.details == "only handles 10; elsewhere"
    unreadable = read_verdict("Sure! The function is a function.", 10, 20)
    assert unreadable.passed and unreadable.details.startswith("no opinion")


def test_the_critic_accepts_the_deterministic_fix(buggy, monkeypatch):
    monkeypatch.setenv("REFINE_FAKE_KEY", KEY)
    pricing = buggy / "shop" / "pricing.py"
    before = pricing.read_text()
    with fake.FakeOpenAI(script=[fake.Reply(text="VERDICT: ACCEPT")]) as srv:
        res = fix_failing_tests(buggy, pricing, 6, _settings(srv.url), worker_env=ENV)
        requests = list(srv.requests)
    assert res.new_source == before.replace("quantity > 10", "quantity >= 10")
    assert [v["verifier"] for v in res.summary.verdicts][-1] == VERIFIER
    assert res.summary.warnings == []
    assert len(requests) == 1 and res.summary.model_calls == 1
    prompt = str(requests[0].body)
    assert "quantity >= 10" in prompt and "quantity > 10" in prompt  # both versions shown
    assert "fake-reviewer" in prompt and KEY not in prompt
    assert pricing.read_text() == before


def test_a_rejected_fix_is_still_offered_with_the_objection(buggy, monkeypatch):
    monkeypatch.setenv("REFINE_FAKE_KEY", KEY)
    pricing = buggy / "shop" / "pricing.py"
    before = pricing.read_text()
    objection = "VERDICT: REJECT\nLINE 2: the boundary should be checked against the docs"
    with fake.FakeOpenAI(script=[fake.Reply(text=objection)] * 8) as srv:
        res = fix_failing_tests(buggy, pricing, 6, _settings(srv.url), worker_env=ENV)
    assert res.new_source == before.replace("quantity > 10", "quantity >= 10")
    assert res.summary.warnings == [
        "the reviewer model objected: the boundary should be checked against the docs"
    ]
    assert all(v["passed"] for v in res.summary.verdicts)  # the real checks all passed


def test_no_reviewer_model_no_critic_call(buggy, monkeypatch):
    monkeypatch.setenv("REFINE_FAKE_KEY", KEY)
    pricing = buggy / "shop" / "pricing.py"
    with fake.FakeOpenAI(script=[fake.Reply(text="VERDICT: REJECT")]) as srv:
        res = fix_failing_tests(
            buggy, pricing, 6, _settings(srv.url, reviewer=False), worker_env=ENV
        )
        assert srv.requests == []
    assert res.new_source is not None and res.summary.warnings == []
