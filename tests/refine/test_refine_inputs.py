"""Inputs from what the tests pass, docstring examples and annotations: generated property
tests hold for correct code (a slow exponential one included) and pass ruff."""

from __future__ import annotations

import subprocess
import sys

from refine_lsp.refine.improve import add_property_tests, refine_with_checks
from refine_lsp.settings import Settings
from refine_lsp.tools.ruff import ruff_binary

ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _run_tests(root, rel):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", rel],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", **ENV},
        timeout=300,
    )


def _ruff(root, rel, *extra):
    return subprocess.run(
        [ruff_binary(), "check", "--no-cache", *extra, rel],
        cwd=root,
        capture_output=True,
        text=True,
    )


def test_property_tests_hold_for_a_correct_exponential_function(slow):
    res = add_property_tests(slow, slow / "slowmath" / "seq.py", 4, Settings(), worker_env=ENV)
    assert res.summary.message == "added 3 property tests"
    assert res.file == slow / "tests" / "test_seq_properties.py"
    # Sizes come from what the tests pass (fib(0..7), fib(20)), not from unbounded ints.
    assert res.new_source.count("@given(n=st.integers(0, 20))") == 3
    assert res.summary.inputs.startswith("9 passed by the tests")
    res.file.write_text(res.new_source)  # the user applies the edit
    run = _run_tests(slow, "tests/test_seq_properties.py")
    assert run.returncode == 0, run.stdout
    assert "3 passed" in run.stdout
    assert _ruff(slow, "tests/test_seq_properties.py").returncode == 0


def test_untyped_parameters_get_inputs_shaped_like_the_tests(project):
    root = project(
        {
            "shop/__init__.py": "",
            "shop/totals.py": (
                "def order_total(lines, discount_percentage_for_loyal_customers=0):\n"
                "    gross = sum(line['quantity'] * line['unit_price'] for line in lines)\n"
                "    return gross * (100 - discount_percentage_for_loyal_customers) / 100\n"
            ),
            "tests/test_totals.py": (
                "from shop.totals import order_total\n\n\n"
                "def test_total():\n"
                "    lines = [{'quantity': 2, 'unit_price': 3.5}, {'quantity': 1, 'unit_price': 4.0}]\n"
                "    assert order_total(lines) == 11.0\n"
                "    assert order_total(lines, 50) == 5.5\n"
            ),
        },
    )
    res = add_property_tests(root, root / "shop" / "totals.py", 1, Settings(), worker_env=ENV)
    # A list argument: its property "keeps its arguments" joins the two others.
    assert res.summary.message == "added 3 property tests", res.summary.text()
    assert "st.fixed_dictionaries(" in res.new_source
    flat = "".join(res.new_source.split())
    assert '"unit_price":st.floats(3.5,4.0,' in flat and '"quantity":st.integers(0,10)' in flat
    assert "discount_percentage_for_loyal_customers=st.integers(0,50)" in flat
    # Long strategies are wrapped by ruff format: no line passes ruff's default 88.
    assert max(len(line) for line in res.new_source.splitlines()) <= 88
    res.file.write_text(res.new_source)
    assert _ruff(root, "tests/test_totals_properties.py", "--extend-select", "E501").returncode == 0
    run = _run_tests(root, "tests/test_totals_properties.py")
    assert run.returncode == 0, run.stdout


def test_docstring_examples_seed_the_inputs(project):
    root = project(
        {
            "words.py": (
                "def shout(word):\n"
                '    """Upper case with a bang.\n\n'
                "    >>> shout('hi')\n"
                "    'HI!'\n"
                '    """\n'
                "    return word.upper() + '!'\n"
            ),
            "test_words.py": "import words\n\n\ndef test_imports():\n    assert words\n",
        },
    )
    res = add_property_tests(root, root / "words.py", 5, Settings(), worker_env=ENV)
    assert res.summary.inputs.startswith("1 from docstring examples")
    # Strings as long as the example and a little longer, of printable characters.
    assert (
        "@given(word=st.text(st.characters(min_codepoint=32,max_codepoint=126),"
        "min_size=2,max_size=8))"
    ) in "".join(res.new_source.split())
    assert res.summary.message == "added 2 property tests"


def test_refine_does_not_call_a_slow_correct_function_a_failure(slow):
    res = refine_with_checks(slow, slow / "slowmath" / "seq.py", 4, Settings(), worker_env=ENV)
    assert res.new_source is None
    assert res.summary.message == "every check passes; nothing to refine"
    assert "hang" not in res.summary.text()
    assert res.summary.properties_checked > 0


def test_objects_the_tests_pass_are_built_from_their_class(project):
    root = project(
        {
            "basket.py": (
                "class Basket:\n"
                "    def __init__(self):\n"
                "        self.items = []\n\n\n"
                "def label(basket, owner):\n"
                "    return f'{owner}: {len(basket.items)} items'\n"
            ),
            "test_basket.py": (
                "from basket import Basket, label\n\n\n"
                "def test_label():\n"
                "    assert label(Basket(), 'Ada') == 'Ada: 0 items'\n"
            ),
        }
    )
    res = add_property_tests(root, root / "basket.py", 5, Settings(), worker_env=ENV)
    assert res.summary.message == "added 2 property tests", res.summary.text()
    assert "from basket import Basket, label\n" in res.new_source
    assert "basket=st.builds(Basket)" in res.new_source
    assert res.summary.inputs == (
        "values for 1 parameters from calls that passed objects, objects of Basket"
    )
    res.file.write_text(res.new_source)
    run = _run_tests(root, "test_basket_properties.py")
    assert run.returncode == 0, run.stdout
