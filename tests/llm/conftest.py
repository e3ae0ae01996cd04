"""Fixtures for the model-layer tests: a fake OpenAI server and a Model config pointing at it."""

from __future__ import annotations

import secrets

import pytest
from refine_lsp.llm.fake_server import FakeOpenAI
from refine_lsp.settings import Model

KEY_ENV = "REFINE_LSP_TEST_KEY"


@pytest.fixture(scope="session")
def warm_litellm():
    # Import litellm and load its call path once, outside any test's timeout.
    from refine_lsp.llm.runtime import warm_up

    warm_up()


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = "sk-test-" + secrets.token_hex(16)
    monkeypatch.setenv(KEY_ENV, key)
    return key


@pytest.fixture
def fake(warm_litellm):
    with FakeOpenAI() as srv:
        yield srv


@pytest.fixture
def config(fake: FakeOpenAI, api_key: str) -> Model:
    return Model(
        solver="openai/fake",
        api_base=fake.url + "/v1",
        api_key_env=KEY_ENV,
        timeout_s=20.0,
        retries=2,
    )
