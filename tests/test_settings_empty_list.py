"""Neovim encodes an empty Lua table as [], so [] where an object is expected means {}."""

from __future__ import annotations

from refine_lsp.settings import Settings, parse_settings


def test_empty_list_for_the_whole_section_is_the_defaults_without_a_warning():
    assert parse_settings([]) == (Settings(), [])
    assert parse_settings({"refineLsp": []}) == (Settings(), [])


def test_empty_list_for_a_nested_object_keeps_the_other_settings():
    settings, errors = parse_settings({"model": [], "inline": {"debounceMs": 5}})
    assert errors == []
    assert settings.model.solver is None
    assert settings.inline.debounce_ms == 5


def test_a_non_empty_list_is_still_reported():
    settings, errors = parse_settings({"model": ["openai/x"]})
    assert errors == ["refineLsp.model: expected an object, got list"]
    assert settings.model.solver is None
