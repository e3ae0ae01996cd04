from refine_lsp.settings import Settings, parse_settings, to_json


def test_defaults_when_nothing_is_sent():
    settings, errors = parse_settings(None)
    assert settings == Settings() and errors == []


def test_camel_case_values_are_read():
    settings, errors = parse_settings(
        {"refineLsp": {"diagnostics": {"debounceMs": 20}, "model": {"solver": "ollama/qwen"}}}
    )
    assert errors == []
    assert settings.diagnostics.debounce_ms == 20
    assert settings.model.solver == "ollama/qwen"


def test_invalid_values_fall_back_with_one_message_each():
    settings, errors = parse_settings(
        {
            "diagnostics": {"debounceMs": "soon"},
            "acceptance": {"keepAccepted": 1.5},
            "reviewers": "yes",
            "nonsense": 1,
        }
    )
    assert settings == Settings()
    assert errors == [
        "refineLsp.diagnostics.debounceMs: invalid value 'soon', using the default",
        "refineLsp.acceptance.keepAccepted: 1.5 is outside 0.01..1.0, using the default",
        "refineLsp.reviewers: expected an object, got str",
        "refineLsp.nonsense: unknown setting",
    ]


def test_round_trip_through_json():
    settings, _ = parse_settings({"fixAll": {"rules": ["organize-imports"]}})
    again, errors = parse_settings(to_json(settings))
    assert again == settings and errors == []


def test_hint_severity_is_one_of_three_and_a_typo_is_reported():
    settings, errors = parse_settings({"hints": {"severity": "information"}})
    assert settings.hints.severity == "information" and errors == []
    settings, errors = parse_settings({"hints": {"severity": "loud"}})
    assert settings.hints.severity == "hint"
    assert errors == [
        "refineLsp.hints.severity: 'loud' is not one of hint, information, warning; "
        "using the default"
    ]
