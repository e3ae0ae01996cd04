"""complete_inline: fill-in-the-middle where the model takes it, chat otherwise."""

from __future__ import annotations

import dataclasses

from refine_lsp.llm import Budget, complete_inline, supports_fim, trim_context
from refine_lsp.llm.fake_server import Reply
from refine_lsp.llm.inline import CURSOR, acomplete_inline, clean_insertion

PREFIX = "def mean(xs):\n    total = sum(xs)\n    return "
SUFFIX = "\n\nprint(mean([1, 2]))\n"


def test_fim_model_uses_the_completions_endpoint_with_suffix(fake, config):
    config = dataclasses.replace(config, solver="text-completion-openai/fake-coder")
    fake.add(Reply(text="total / len(xs)", logprobs=[-0.1, -0.5, -0.2]))
    budget = Budget.for_action(config)
    got = complete_inline(PREFIX, SUFFIX, config=config, budget=budget)
    assert got is not None and got.text == "total / len(xs)"
    assert PREFIX + got.text + SUFFIX == (
        "def mean(xs):\n    total = sum(xs)\n    return total / len(xs)\n\nprint(mean([1, 2]))\n"
    )
    assert got.logprobs == [-0.1, -0.5, -0.2]
    [req] = fake.requests
    assert req.path == "/v1/completions"
    assert req.body["prompt"] == PREFIX and req.body["suffix"] == SUFFIX
    assert req.body["max_tokens"] == 64
    assert budget.calls == 1 and budget.completion_tokens == 3


def test_chat_model_gets_a_cursor_prompt_and_its_answer_is_cleaned(fake, config):
    # A chat model that fences its answer and echoes the line before the cursor.
    fake.add(Reply(text="```python\n    return total / len(xs)\n```"))
    got = complete_inline(PREFIX, SUFFIX, config=config)
    assert got is not None and got.text == "total / len(xs)"
    [req] = fake.requests
    assert req.path == "/v1/chat/completions"
    assert req.body["messages"][-1]["content"] == PREFIX + CURSOR + SUFFIX
    assert req.body["logprobs"] is True
    assert got.logprobs is not None and len(got.logprobs) > 0


def test_empty_answer_gives_none(fake, config):
    fake.add(Reply(text="```\n```"))
    assert complete_inline(PREFIX, SUFFIX, config=config) is None


def test_inline_does_not_retry(fake, config):
    fake.add(Reply.error(429), "late")
    try:
        complete_inline(PREFIX, SUFFIX, config=config)
    except Exception as exc:  # noqa: BLE001
        assert type(exc).__name__ == "ModelRateLimited"
    assert len(fake.requests) == 1


async def test_async_inline(fake, config):
    fake.add("total / len(xs)")
    got = await acomplete_inline(PREFIX, SUFFIX, config=config)
    assert got is not None and got.text == "total / len(xs)"


def test_trim_keeps_text_nearest_the_cursor():
    prefix = "".join(f"line {i}\n" for i in range(1000)) + "x = "
    suffix = "\n" + "".join(f"after {i}\n" for i in range(1000))
    p, s = trim_context(prefix, suffix, max_prefix_chars=100, max_suffix_chars=50)
    assert len(p) <= 100 and len(s) <= 50
    assert prefix.endswith(p) and suffix.startswith(s)
    assert p.endswith("line 999\nx = ")
    assert p.startswith("line ")  # cut at a line boundary, not mid-line
    assert s.endswith("\n") and s.startswith("\nafter 0\n")


def test_trim_leaves_short_context_alone():
    assert trim_context("a = ", "\n", 100, 100) == ("a = ", "\n")


def test_supports_fim():
    assert supports_fim("text-completion-openai/qwen2.5-coder")
    assert supports_fim("text-completion-codestral/codestral-latest")
    assert not supports_fim("openai/gpt-4o-mini")
    assert not supports_fim("local/smollm2")


def test_clean_insertion_drops_repeated_lines_of_the_suffix_only():
    assert clean_insertion("total / len(xs)\nprint(mean([1, 2]))", PREFIX, SUFFIX) == (
        "total / len(xs)"
    )
    # Part of a line is never cut: "f()" is what goes before ")".
    assert clean_insertion("f()", "print(", ")\n") == "f()"
    assert clean_insertion(f"'hi'{CURSOR}", "print(", ")\n") == "'hi'"
