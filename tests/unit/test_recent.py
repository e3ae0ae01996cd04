"""refine_lsp.recent.Recent: the bounded memo the parsers and readers share."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from refine_lsp.recent import MISSING, Recent


def test_it_keeps_the_last_size_values_used_and_drops_the_least_recent():
    memo: Recent[str, int] = Recent(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # "a" is now the most recently used
    memo.put("c", 3)
    assert memo.get("b") is MISSING
    assert (memo.get("a"), memo.get("c"), len(memo)) == (1, 3, 2)


def test_none_is_a_value_and_missing_is_not():
    memo: Recent[str, None] = Recent(4)
    memo.put("unparsable", None)
    assert memo.get("unparsable") is None
    assert memo.get("other") is MISSING
    assert memo.get("other", "default") == "default"


def test_peek_reads_without_making_the_value_recent():
    memo: Recent[str, int] = Recent(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.peek("a") == 1
    memo.put("c", 3)  # "a" was only peeked at: it is still the least recent
    assert memo.peek("a") is MISSING and memo.peek("b") == 2


def test_setdefault_tells_exactly_one_of_many_threads_that_it_inserted():
    memo: Recent[str, object] = Recent(8)
    start = threading.Barrier(8)

    def ask(i: int):
        start.wait()
        return memo.setdefault("key", i)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(8)))
    assert sum(inserted for _, inserted in answers) == 1
    assert len({value for value, _ in answers}) == 1


def test_a_size_below_one_is_refused_with_the_size():
    with pytest.raises(ValueError, match="at least 1, got 0"):
        Recent(0)


def test_clear_forgets_everything():
    memo: Recent[int, int] = Recent(3)
    for i in range(3):
        memo.put(i, i)
    memo.clear()
    assert len(memo) == 0 and memo.get(0) is MISSING
