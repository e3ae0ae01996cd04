"""Budget accounting and key redaction, without any model call."""

from __future__ import annotations

import logging
import threading

import pytest
from refine_lsp.llm import Budget, BudgetExceeded, Completion, RedactingFilter, redact
from refine_lsp.llm.redact import register_secret
from refine_lsp.settings import Model


def _done(prompt: int, completion: int, cost: float = 0.0) -> Completion:
    return Completion("x", "m", prompt_tokens=prompt, completion_tokens=completion, cost_usd=cost)


def test_budget_from_settings():
    b = Budget.for_action(Model(max_tokens_per_action=1000, max_cost_per_action=0.5), max_calls=3)
    assert (b.max_tokens, b.max_cost_usd, b.max_calls) == (1000, 0.5, 3)


def test_admit_caps_max_tokens_to_the_room_left():
    b = Budget(max_tokens=1000)
    assert b.admit(prompt_tokens=100, max_tokens=512) == 512
    assert b.admit(prompt_tokens=100, max_tokens=512) == 1000 - 612 - 100  # 288 left
    with pytest.raises(BudgetExceeded):
        b.admit(prompt_tokens=100, max_tokens=512)


def test_settle_replaces_the_reservation_with_real_usage():
    b = Budget(max_tokens=1000)
    allowed = b.admit(100, 512)
    b.settle(100 + allowed, [_done(100, 50)])
    assert (b.calls, b.tokens, b.remaining_tokens()) == (1, 150, 850)
    allowed = b.admit(100, 512)
    b.settle(100 + allowed, None)
    assert (b.calls, b.failed_calls, b.remaining_tokens()) == (1, 1, 850)


def test_cost_budget():
    b = Budget(max_cost_usd=0.01)
    b.charge(_done(10, 10, cost=0.008))
    b.admit(10, 10, worst_cost_usd=0.001)  # fits
    with pytest.raises(BudgetExceeded, match="cost"):
        b.admit(10, 10, worst_cost_usd=0.005)


def test_call_budget_counts_calls_in_flight():
    b = Budget(max_calls=2)
    b.admit(1, 10)
    b.admit(1, 10)
    with pytest.raises(BudgetExceeded, match="call"):
        b.admit(1, 10)


def test_concurrent_admissions_never_overshoot():
    b = Budget(max_tokens=10_000)
    granted: list[int] = []
    lock = threading.Lock()

    def worker():
        for _ in range(50):
            try:
                g = b.admit(50, 100)
            except BudgetExceeded:
                return
            with lock:
                granted.append(50 + g)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) <= 10_000
    assert sum(granted) >= 10_000 - 150


def test_charge_a_whole_call():
    b = Budget()
    b.charge([_done(30, 5, 0.001), _done(0, 7)])
    assert b.summary() == {
        "calls": 1,
        "failed_calls": 0,
        "prompt_tokens": 30,
        "completion_tokens": 12,
        "tokens": 42,
        "cost_usd": 0.001,
    }


def test_redact_registered_and_key_shaped_secrets():
    register_secret("hunter2-secret-value")
    assert redact("key=hunter2-secret-value!") == "key=[REDACTED]!"
    assert redact("Authorization: Bearer abcdefghijklmnop") == "Authorization: [REDACTED]"
    assert redact("sk-proj-AAAAAAAAAAAAAAAAAAAAAAAA used") == "[REDACTED] used"
    assert redact("nothing secret") == "nothing secret"


def test_redacting_filter_scrubs_log_records(caplog):
    register_secret("another-secret-123")
    logger = logging.getLogger("refine_lsp.test.redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="refine_lsp.test.redact"):
        logger.info("calling with %s", "another-secret-123")
    assert "another-secret-123" not in caplog.text
    assert "calling with [REDACTED]" in caplog.text
