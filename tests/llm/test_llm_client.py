"""complete()/acomplete() through litellm against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import threading
import time

import pytest
from refine_lsp.llm import (
    Budget,
    BudgetExceeded,
    ModelCancelled,
    ModelRateLimited,
    ModelTimeout,
    ModelUnavailable,
    acomplete,
    complete,
)
from refine_lsp.llm.fake_server import Reply

FIXED = "def add(a, b):\n    return a + b\n"
ASK = [
    {"role": "system", "content": "Fix the function."},
    {"role": "user", "content": "def add(a, b):\n    return a - b\n"},
]


def test_success_returns_the_answer_and_its_usage(fake, config):
    fake.add(Reply.code(FIXED, prose="The operator was wrong:"))
    budget = Budget.for_action(config)
    [answer] = complete(ASK, role="solver", config=config, budget=budget)
    assert answer.text == "The operator was wrong:\n\n```python\n" + FIXED + "```\n"
    assert answer.code() == FIXED
    assert answer.model == "openai/fake"
    assert answer.finish_reason == "stop"
    # The fake server counts whitespace-separated words as tokens and reports them as usage.
    sent = fake.requests[0].body
    assert answer.prompt_tokens == sum(len(m["content"].split()) for m in sent["messages"])
    assert answer.completion_tokens == len(answer.text.split()) == 13
    assert answer.cost_usd == 0.0  # litellm has no price for "fake"
    assert budget.summary() == {
        "calls": 1,
        "failed_calls": 0,
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": 13,
        "tokens": answer.prompt_tokens + 13,
        "cost_usd": 0.0,
    }


def test_request_is_shaped_right_and_carries_the_key_only_in_the_header(fake, config, api_key):
    fake.add(Reply.code(FIXED))
    complete(ASK, config=config, max_tokens=100, temperature=0.2, stop=["\n\n\n"])
    [req] = fake.requests
    assert req.path == "/v1/chat/completions"
    assert req.body["model"] == "fake"
    assert req.body["messages"] == ASK
    assert req.body["max_tokens"] == 100
    assert req.body["temperature"] == 0.2
    assert req.body["stop"] == ["\n\n\n"]
    assert req.headers.get("authorization") == f"Bearer {api_key}"
    assert api_key.encode() not in req.raw


def test_reviewer_and_refiner_fall_back_to_the_solver(fake, config):
    fake.add("ok", "ok")
    complete(ASK, role="reviewer", config=config)
    refiner = dataclasses.replace(config, refiner="openai/other-model")
    complete(ASK, role="refiner", config=refiner)
    assert [r.body["model"] for r in fake.requests] == ["fake", "other-model"]


def test_retries_429_and_500_then_succeeds(fake, config):
    fake.add(Reply.error(429), Reply.error(500), Reply.code(FIXED))
    budget = Budget.for_action(config)
    t0 = time.monotonic()
    [answer] = complete(ASK, config=config, budget=budget, backoff_s=0.05)
    assert answer.code() == FIXED
    assert len(fake.requests) == 3
    assert time.monotonic() - t0 >= 0.05 * 0.8 + 0.1 * 0.8  # it did back off
    assert budget.calls == 1 and budget.failed_calls == 0


def test_honours_retry_after(fake, config):
    fake.add(Reply.error(429, retry_after=0.4), "fine")
    t0 = time.monotonic()
    complete(ASK, config=config, backoff_s=0.0)
    assert time.monotonic() - t0 >= 0.4


def test_gives_up_after_configured_retries(fake, config):
    fake.add(*[Reply.error(429)] * 3, "never reached")
    with pytest.raises(ModelRateLimited) as err:
        complete(ASK, config=config, backoff_s=0.01)
    assert err.value.status_code == 429
    assert len(fake.requests) == 3  # 1 + retries=2
    assert fake.remaining == 1


def test_client_errors_are_not_retried(fake, config):
    fake.add(Reply.error(401, "bad key"), "never reached")
    with pytest.raises(ModelUnavailable):
        complete(ASK, config=config, backoff_s=0.01)
    assert len(fake.requests) == 1


def test_timeout_is_retried_then_raises_model_timeout(fake, config):
    fake.add(Reply.slow(5), Reply.slow(5))
    config = dataclasses.replace(config, timeout_s=0.5, retries=1)
    t0 = time.monotonic()
    with pytest.raises(ModelTimeout):
        complete(ASK, config=config, backoff_s=0.01)
    assert len(fake.requests) == 2
    assert time.monotonic() - t0 < 4  # never waited for the slow replies


@pytest.mark.parametrize(
    "reply",
    [Reply.garbage(), Reply.truncated(), Reply.wrong_language(), Reply(text="")],
    ids=["garbage", "truncated", "wrong-language", "empty"],
)
def test_unusable_answers_yield_no_code(fake, config, reply):
    fake.add(reply)
    [answer] = complete(ASK, config=config)
    assert answer.code() is None


def test_truncated_answer_is_flagged(fake, config):
    fake.add(Reply(text="```python\ndef add(a, b):\n    return a + b\n```", finish_reason="length"))
    [answer] = complete(ASK, config=config)
    assert answer.truncated and answer.code() is None


def test_several_samples_split_usage_so_sums_are_right(fake, config):
    fake.add(Reply(text=["one two", "three"], prompt_tokens=7, completion_tokens=3))
    answers = complete(ASK, config=config, n=2, temperature=0.8)
    assert [a.text for a in answers] == ["one two", "three"]
    assert sum(a.prompt_tokens for a in answers) == 7
    assert sum(a.completion_tokens for a in answers) == 3
    assert fake.requests[0].body["n"] == 2


def test_logprobs_are_returned_when_asked(fake, config):
    fake.add(Reply(text="return a + b", logprobs=[-0.1, -0.2, -0.3, -0.4]))
    [answer] = complete(ASK, config=config, logprobs=True)
    assert answer.logprobs == [-0.1, -0.2, -0.3, -0.4]


def test_call_budget_refuses_before_calling(fake, config):
    fake.add("a", "b", "c")
    budget = Budget.for_action(config, max_calls=2)
    complete(ASK, config=config, budget=budget)
    complete(ASK, config=config, budget=budget)
    with pytest.raises(BudgetExceeded):
        complete(ASK, config=config, budget=budget)
    assert len(fake.requests) == 2


def test_token_budget_caps_max_tokens_then_refuses(fake, config):
    fake.add(Reply(text="x = 1", prompt_tokens=30, completion_tokens=80), "unused")
    budget = Budget(max_tokens=120)
    complete(ASK, config=config, budget=budget, max_tokens=512)
    # The first call could only ask for what was left after its estimated prompt.
    assert fake.requests[0].body["max_tokens"] < 120
    assert budget.tokens == 110
    with pytest.raises(BudgetExceeded):
        complete(ASK, config=config, budget=budget, max_tokens=512)
    assert len(fake.requests) == 1


def test_failed_call_releases_its_reservation(fake, config):
    fake.add(Reply.error(400, "bad request"), "ok")
    budget = Budget(max_tokens=400)
    with pytest.raises(Exception):  # noqa: B017 - any ModelError
        complete(ASK, config=config, budget=budget, max_tokens=300)
    assert budget.failed_calls == 1 and budget.remaining_tokens() == 400
    complete(ASK, config=config, budget=budget, max_tokens=300)


def test_missing_key_variable_is_a_clear_error(fake, config, monkeypatch):
    monkeypatch.delenv("REFINE_LSP_TEST_KEY")
    with pytest.raises(ModelUnavailable, match="REFINE_LSP_TEST_KEY"):
        complete(ASK, config=config)
    assert fake.requests == []


def test_no_model_configured(config):
    with pytest.raises(ModelUnavailable, match="solver"):
        complete(ASK, config=dataclasses.replace(config, solver=None))


def test_bad_messages_are_rejected(config):
    with pytest.raises(ValueError):
        complete([{"content": "no role"}], config=config)


def test_unreachable_server_is_unavailable(config):
    with pytest.raises(ModelUnavailable):
        complete(
            ASK, config=dataclasses.replace(config, api_base="http://127.0.0.1:9/v1", retries=0)
        )


def test_cancel_event_stops_a_slow_call(fake, config):
    fake.add(Reply.slow(4))
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    t0 = time.monotonic()
    with pytest.raises(ModelCancelled):
        complete(ASK, config=config, cancel_event=cancel)
    assert time.monotonic() - t0 < 2


def test_key_never_reaches_logs_or_errors(fake, config, api_key, caplog):
    caplog.set_level(logging.DEBUG)
    fake.add(Reply.error(500, f"upstream echoed {api_key}"), Reply.error(400, api_key))
    with pytest.raises(Exception) as err:  # noqa: B017
        complete(ASK, config=config, backoff_s=0.01)
    assert api_key not in str(err.value)
    assert api_key not in caplog.text
    for req in fake.requests:
        assert api_key not in json.dumps(req.body)


async def test_acomplete_success_and_usage(fake, config):
    fake.add(Reply.error(503), Reply.code(FIXED))
    budget = Budget.for_action(config)
    [answer] = await acomplete(ASK, config=config, budget=budget, backoff_s=0.01)
    assert answer.code() == FIXED
    assert len(fake.requests) == 2
    assert budget.calls == 1 and budget.completion_tokens == answer.completion_tokens > 0


async def test_acomplete_timeout(fake, config):
    fake.add(Reply.slow(5))
    with pytest.raises(ModelTimeout):
        await acomplete(ASK, config=dataclasses.replace(config, timeout_s=0.5, retries=0))


async def test_acomplete_cancel_releases_budget(fake, config):
    fake.add(Reply.slow(5))
    budget = Budget(max_tokens=1000)
    task = asyncio.create_task(acomplete(ASK, config=config, budget=budget))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert budget.remaining_tokens() == 1000
    assert budget.calls == 0


def test_a_model_that_echoes_the_api_key_never_hands_it_back(fake, config, api_key):
    fake.add(Reply(text=f"use the key {api_key} like this"))
    [answer] = complete(ASK, config=config)
    assert api_key not in answer.text
    assert answer.text.startswith("use the key ") and answer.text.endswith(" like this")
