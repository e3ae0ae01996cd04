"""extract_code: what the loop gets out of a model's answer."""

from __future__ import annotations

from refine_lsp.llm import extract_code

FUNC = "def add(a, b):\n    return a + b\n"


def test_fenced_python_block_in_prose():
    text = f"Sure! The bug is the operator.\n\n```python\n{FUNC}```\n\nThis now adds."
    assert extract_code(text) == FUNC


def test_untagged_and_py_tagged_fences():
    assert extract_code(f"```\n{FUNC}```") == FUNC
    assert extract_code(f"```py\n{FUNC}```") == FUNC
    assert extract_code(f"~~~python\n{FUNC}~~~") == FUNC


def test_bare_code_answer():
    assert extract_code(FUNC) == FUNC


def test_bare_code_after_prose_and_before_prose():
    text = f"Here is the corrected function:\n{FUNC}\nIt returns the sum of a and b."
    assert extract_code(text) == FUNC


def test_garbage_is_rejected():
    assert extract_code("I'm not sure what you mean, could you clarify?") is None
    assert extract_code("Done") is None  # compiles as a bare name, still not code
    assert extract_code("") is None
    assert extract_code(None) is None
    assert extract_code("   \n ") is None


def test_wrong_language_is_rejected():
    js = "```javascript\nfunction add(a, b) { return a + b; }\n```"
    assert extract_code(js) is None
    assert extract_code("```\nfunction add(a, b) { return a + b; }\n```") is None
    assert extract_code("function add(a, b) { return a + b; }") is None


def test_truncated_code_is_rejected():
    cut = "```python\ndef add(a, b):\n    total = a\n    for x in\n"
    assert extract_code(cut) is None
    # Compiles on its own, but the fence never closed: the answer was cut off.
    assert extract_code("```python\ndef add(a, b):\n    total = a + b\n") is None


def test_unclosed_block_accepted_only_when_the_answer_ended_on_its_own():
    from refine_lsp.llm import Completion

    text = f"Fixed:\n```python\n{FUNC}"  # e.g. stopped by a stop sequence on the fence
    assert extract_code(text) is None
    assert extract_code(text, allow_unclosed=True) == FUNC
    assert Completion(text, "m", finish_reason="stop").code() == FUNC
    assert Completion(text, "m", finish_reason="length").code() is None
    assert Completion("```python\ndef f(:\n", "m", finish_reason="stop").code() is None


def test_block_that_does_not_compile_is_skipped_for_one_that_does():
    text = f"```python\ndef add(a, b)\n    return a + b\n```\nOops, fixed:\n```python\n{FUNC}```"
    assert extract_code(text) == FUNC


def test_entry_point_picks_the_block_that_defines_it():
    usage = "print(add(1, 2))\n"
    helper = "def helper(x):\n    return x\n\ndef other(y):\n    return y\n"
    text = f"```python\n{helper}```\n```python\n{FUNC}```\n```python\n{usage}```"
    assert extract_code(text, entry_point="add") == FUNC
    # Without an entry point, the block with the most definitions.
    assert extract_code(text) == helper


def test_doctest_prompts_are_stripped():
    assert extract_code("```python\n>>> x = 1\n>>> y = x + 1\n```") == "x = 1\ny = x + 1\n"


def test_other_language_returns_its_block_verbatim():
    text = "```bash\necho hi\n```"
    assert extract_code(text, language="bash") == "echo hi\n"
    assert extract_code(text, language="rust") is None


def test_crlf_answers():
    text = "```python\r\ndef f():\r\n    return 1\r\n```\r\n"
    assert extract_code(text) == "def f():\n    return 1\n"
