"""The other loop actions: "Refine with checks", "Make faster (keeps tests green)" and
"Add property tests". Each offers at most one edit, verified the same way as a fix."""

from __future__ import annotations

from refine_lsp.tools.ruff import RuffFailed, RuffUnavailable, run_ruff
from refine_lsp.verify._inputs import imports as spec_imports
from refine_lsp.verify.checks import ruff_findings
from refine_lsp.verify.properties import module_name
from refine_lsp.verify.pytest_runner import TestRequest

from . import faster
from .loop import _fix, run_action
from .proposals import model_configured, propose
from .proptests import formatted, property_tests, test_module
from .run import Session, describe_inputs


def _tests_ok(s: Session, related: list[str], candidate: str) -> bool:
    if not related:
        return True
    [run] = s.run_candidates([candidate], related)
    return run is not None and run.all_pass(set(related))


def _ruff_fixed(s: Session) -> str | None:
    try:
        proc = run_ruff(
            ["check", "--fix", "--no-cache"],
            s.source,
            filename=s.file,
            cwd=s.workspace,
            timeout_s=s.settings.ruff.timeout_s,
            ok_codes=(),
        )
    except (RuffUnavailable, RuffFailed):
        return None
    new = proc.stdout
    if not new or new == s.source:
        return None
    old_lines, new_lines = s.source.splitlines(), new.splitlines()
    # Only edits inside the function: the action is about the function at the cursor.
    head = s.target.start_line
    tail = len(old_lines) - s.target.end_line - 1
    if (
        old_lines[:head] != new_lines[:head]
        or old_lines[len(old_lines) - tail :] != new_lines[len(new_lines) - tail :]
    ):
        return None
    return new


def _refine(s: Session) -> object:
    baseline, related = s.baseline()
    if set(related) & baseline.failing:
        return _fix(s)
    s.summary.tests_total = len(related)
    s.summary.tests_passed_before = s.summary.tests_passed = len(related)
    feedback = []
    findings = ruff_findings(s.source, s.file, cwd=s.workspace) or []
    for f in findings:
        row = (f.get("location") or {}).get("row", 0) - 1
        if s.target.contains(row):
            feedback.append(f"line {row + 1}: {f.get('code')} {f.get('message')}")
    crash = None
    if s.can_check_properties():
        s.seeds(related)
        s.progress("checking generated inputs", 20)
        crash = s.property_check(None, "crash")
        s.summary.properties_checked = crash.data.get("valid", 0)
        s.summary.inputs = describe_inputs(crash.data, s.seed_error)
        if not crash.passed:
            feedback.append(crash.details)
    cands = [(src, "ruff fixes") for src in [_ruff_fixed(s)] if src]
    if model_configured(s.settings) and feedback:
        for src in propose(
            s.settings,
            s.usage,
            s.source,
            s.target,
            "Improve this function so that every check below passes; keep its behaviour.",
            feedback,
            role="refiner",
            cancel=s.cancel,
        ):
            cands.append((src, "model proposal"))
    for src, desc in cands:
        s.summary.candidates += 1
        verdicts = s.static_checks(src)
        if not all(v.passed for v in verdicts) or not _tests_ok(s, related, src):
            continue
        if s.can_check_properties():
            v = s.property_check(src, "crash")
            if not v.passed:
                continue
            verdicts.append(v)
        s.summary.verdicts = [v.to_json() for v in verdicts]
        s.summary.message = f"refined: {desc}"
        return s.result(src, desc)
    if not feedback:
        s.summary.message = "every check passes; nothing to refine"
    else:
        s.summary.message = "checks found: " + "; ".join(feedback[:3])
    return s.result(None)


def _add_props(s: Session) -> object:
    if not s.can_check_properties():
        s.summary.message = "property tests need a module-level function and hypothesis"
        return s.result(None)
    module = module_name(s.rel)
    tests_dir = s.workspace / "tests"
    base = tests_dir if tests_dir.is_dir() else s.file.parent
    path = base / f"test_{module.split('.')[-1]}_properties.py"
    rel = path.relative_to(s.workspace).as_posix()
    if rel in s.overlay:  # open in the editor: what the user sees, saved or not
        existing = s.overlay[rel]
    else:
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
    s.progress("building inputs from the tests, docstring and annotations", 10)
    domain = s.input_domain()
    specs = domain.get("specs")
    if specs is None:
        s.summary.warnings.append(
            f"inputs from annotations only: {domain.get('error', 'no input domain')}"
        )
    s.summary.inputs = describe_inputs(domain, s.seed_error)
    candidates = [
        (name, text)
        for name, text in property_tests(s.source, s.target, module, specs)
        if f"def {name}(" not in existing
    ]
    if not candidates:
        s.summary.message = "the property tests exist already"
        return s.result(None)
    s.progress("running the generated property tests", 30)
    extra = list(dict.fromkeys(i for spec in specs or [] for i in spec_imports(spec)))
    trial = test_module(module, s.target.name, [t for _, t in candidates], "", extra)
    run = s.pool.run(TestRequest([rel], {rel: trial}), s.cancel)
    kept = [
        (n, t)
        for n, t in candidates
        if run.outcomes.get(f"{rel}::{n}", None) is not None
        and run.outcomes[f"{rel}::{n}"].outcome == "passed"
    ]
    dropped = [n for n, _ in candidates if (n, _) not in kept]
    for n in dropped:  # why each was dropped, for the user to judge
        o = run.outcomes.get(f"{rel}::{n}")
        why = [ln.strip() for ln in (o.message if o else run.error or "did not run").splitlines()]
        why = [ln for ln in why if ln]
        s.summary.warnings.append(f"{n} dropped: {(why[-1] if why else 'failed')[:200]}")
    s.summary.tests_total = len(candidates)
    s.summary.tests_passed = len(kept)
    if not kept:
        s.summary.message = f"none of the generated properties hold ({', '.join(dropped)})"
        return s.result(None)
    new, findings = formatted(
        test_module(module, s.target.name, [t for _, t in kept], existing, extra),
        path,
        s.workspace,
    )
    for f in findings[:3]:
        row = (f.get("location") or {}).get("row", 0)
        s.summary.warnings.append(f"ruff on {rel}:{row}: {f.get('code')} {f.get('message')}")
    [check] = s.pool.run_many([TestRequest([rel], {rel: new})], s.cancel)
    if check is None or not check.all_pass({f"{rel}::{n}" for n, _ in kept}):
        s.summary.message = "the generated test file did not pass as a whole"
        return s.result(None)
    s.summary.properties_checked = len(kept)
    s.summary.message = f"added {len(kept)} property tests" + (
        f"; dropped {', '.join(dropped)} (they fail on the current code)" if dropped else ""
    )
    res = s.result(new, f"add {len(kept)} property tests to {rel}")
    res.file = path
    res.old_source = existing
    return res


def refine_with_checks(workspace, file, line, settings, progress=None, cancel=None, **kw):
    """Fix failing tests if any; otherwise apply verified improvements (ruff fixes inside
    the function, model refinements from the checks' feedback)."""
    return run_action("refine", _refine, workspace, file, line, settings, progress, cancel, **kw)


def make_faster(workspace, file, line, settings, progress=None, cancel=None, **kw):
    """A faster version that keeps the tests green, returns equal results on the recorded
    and generated inputs, and measures faster with its 95% interval above 1.2x."""
    return run_action(
        "faster", faster.make_faster, workspace, file, line, settings, progress, cancel, **kw
    )


def add_property_tests(workspace, file, line, settings, progress=None, cancel=None, **kw):
    """New content for ``tests/test_<module>_properties.py`` (``result.file``), holding the
    generated properties that pass on the current code."""
    return run_action(
        "properties", _add_props, workspace, file, line, settings, progress, cancel, **kw
    )


__all__ = ["add_property_tests", "make_faster", "refine_with_checks"]
