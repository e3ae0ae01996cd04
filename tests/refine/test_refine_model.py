"""The model path of the loop against a real local HTTP server speaking the OpenAI API."""

from __future__ import annotations

import pytest
from refine_lsp.refine.loop import fix_failing_tests
from refine_lsp.settings import Model, Settings

fake = pytest.importorskip("refine_lsp.llm.fake_server")

MOD = """\
def describe(n):
    if n < 0:
        return "negative"
    return "positive"
"""
TESTS = """\
from mod import describe


def test_negative():
    assert describe(-3) == "negative"


def test_zero():
    assert describe(0) == "zero"
"""
FIXED = """\
def describe(n):
    if n < 0:
        return "negative"
    if n == 0:
        return "zero"
    return "positive"
"""
ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


@pytest.fixture
def ws(tmp_path):
    (tmp_path / "mod.py").write_text(MOD)
    (tmp_path / "test_mod.py").write_text(TESTS)
    return tmp_path


def _settings(url: str) -> Settings:
    s = Settings()
    s.model = Model(solver="openai/fake", api_base=url + "/v1", api_key_env="REFINE_FAKE_KEY")
    s.model.retries = 0
    s.refine.max_model_calls = 2
    return s


def test_model_fix_after_deterministic_repair_fails(ws, monkeypatch):
    monkeypatch.setenv("REFINE_FAKE_KEY", "sk-test-not-a-secret")
    script = [fake.Reply.code(FIXED, prose="Handle zero:")] * 2
    with fake.FakeOpenAI(script=script) as srv:
        res = fix_failing_tests(ws, ws / "mod.py", 1, _settings(srv.url), worker_env=ENV)
        prompts = [r for r in srv.requests]
    assert res.new_source == FIXED
    assert res.summary.model_calls >= 1 and res.summary.tokens > 0
    assert res.description == "model proposal"
    # The model saw the failing test and the suspicious line, never the key.
    text = str(prompts[0].body)
    assert "test_zero" in text and "suspicious" in text
    assert "sk-test-not-a-secret" not in text


def test_garbage_from_the_model_offers_nothing(ws, monkeypatch):
    monkeypatch.setenv("REFINE_FAKE_KEY", "sk-test-not-a-secret")
    with fake.FakeOpenAI(script=[fake.Reply.garbage(), fake.Reply.wrong_language()]) as srv:
        res = fix_failing_tests(ws, ws / "mod.py", 1, _settings(srv.url), worker_env=ENV)
    assert res.new_source is None
    assert res.summary.message.startswith("no verified fix found")
    assert (ws / "mod.py").read_text() == MOD


def test_a_slow_model_never_outlives_the_actions_time_budget(ws, monkeypatch):
    monkeypatch.setenv("REFINE_FAKE_KEY", "sk-test-not-a-secret")
    settings = _settings("")
    with fake.FakeOpenAI(script=[fake.Reply.slow(120.0, text="too late")] * 4) as srv:
        settings.model.api_base = srv.url + "/v1"
        settings.model.timeout_s = 120.0
        settings.refine.max_seconds = 12.0
        res = fix_failing_tests(ws, ws / "mod.py", 1, settings, worker_env=ENV)
    assert res.new_source is None
    # The call was cut at the budget's end (not at the 120 s timeout) and not retried.
    assert res.summary.seconds < 60
    assert any("Timeout" in e for e in res.summary.model_errors), res.summary.model_errors
