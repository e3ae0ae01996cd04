""" "Make faster (keeps tests green)": deterministic rewrites and model proposals, each
verified the same way: parses, no new ruff finding, the tests that reach the function pass,
equal results on the seeds and generated inputs, and a speed-up whose 95% interval lies above
MIN_SPEEDUP on an input scaled up until the original takes TARGET_S."""

from __future__ import annotations

from refine_lsp.verify.properties import timing_verdict
from refine_lsp.verify.verdict import Verdict

from . import rewrites
from .loop import refuse_without_tests
from .proposals import model_configured, propose
from .result import LoopResult
from .run import Session, describe_inputs

MIN_SPEEDUP = 1.2


def make_faster(s: Session) -> LoopResult:
    baseline, related = s.baseline()
    if baseline.error and not baseline.outcomes:
        s.summary.refused = f"could not run the tests: {baseline.error}"
        s.summary.message = s.summary.refused
        return s.result(None)
    if refuse_without_tests(s, related, "Make faster"):
        return s.result(None)
    failing = set(related) & baseline.failing
    s.summary.tests_total = len(related)
    s.summary.tests_passed_before = s.summary.tests_passed = len(related) - len(failing)
    if failing:
        s.summary.refused = f"{len(failing)} tests fail; fix them before making it faster"
        s.summary.message = s.summary.refused
        return s.result(None)
    if not s.can_check_properties():
        s.summary.refused = "needs a module-level function and hypothesis to check equivalence"
        s.summary.message = s.summary.refused
        return s.result(None)
    cands = rewrites.candidates(s.source, s.target)
    has_model = model_configured(s.settings)
    if has_model:
        s.progress("asking for faster versions", 20)
        feedback = [f"tests that must keep passing: {', '.join(related[:5])}"]
        for src in propose(
            s.settings,
            s.usage,
            s.source,
            s.target,
            "Make this function faster without changing any result it returns.",
            feedback,
            n=2,
            temperature=0.7,
            role="refiner",
            cancel=s.cancel,
        ):
            if src not in [c for c, _ in cands]:
                cands.append((src, "model proposal"))
    if not cands:
        why = "no deterministic rewrite applies to " + s.target.name
        why += "; the model proposed nothing usable" if has_model else " and no model is set"
        s.summary.message = f"no candidate to try ({why})"
        return s.result(None)
    s.seeds(related)
    best, rejected = None, []
    for i, (src, desc) in enumerate(cands):
        if s.out_of_budget():
            rejected.append(f"{desc}: not checked ({s.out_of_budget()})")
            break
        s.progress(f"checking {desc}", 30 + 60 * i // max(1, len(cands)))
        s.summary.candidates += 1
        verdicts = _verify(s, related, src)
        failed = next((v for v in verdicts if not v.passed), None)
        if failed is None or failed.verifier == "timing":
            s.summary.plausible += 1  # keeps the tests green and the results equal
        if failed is not None:
            s.summary.failed_check = failed.verifier
            rejected.append(f"{desc}: {failed.verifier} check failed: {failed.details}")
            continue
        timing = verdicts[-1]
        if best is None or timing.data["speedup"] > best[2][-1].data["speedup"]:
            best = (src, desc, verdicts)
    if best is None:
        s.summary.message = "no faster version offered: " + "; ".join(rejected)
        if rejected and all(": timing check failed" in r for r in rejected):
            s.summary.message = "not measurably faster: " + "; ".join(rejected)
        return s.result(None)
    src, desc, verdicts = best
    eq, timing = verdicts[-2], verdicts[-1]
    s.summary.failed_check = ""
    s.summary.speedup = round(timing.data["speedup"], 2)
    s.summary.speedup_low = round(timing.data["low"], 2)
    s.summary.speedup_high = round(timing.data["high"], 2)
    s.summary.properties_checked = eq.data.get("valid", 0)
    s.summary.inputs = describe_inputs(eq.data, s.seed_error)
    s.summary.verdicts = [v.to_json() for v in verdicts]
    s.summary.message = f"faster: {desc}"
    if rejected:
        s.summary.message += f" ({len(rejected)} other candidates rejected)"
    return s.result(src, desc)


def _verify(s: Session, related: list[str], src: str) -> list[Verdict]:
    """The verdicts in order, stopping at the first that fails."""
    verdicts = s.static_checks(src)
    if not all(v.passed for v in verdicts):
        return verdicts
    [run] = s.run_candidates([src], related)
    if run is None:
        return [*verdicts, Verdict("pytest", False, "did not run")]
    verdicts.append(run.verdict(set(related)))
    if not verdicts[-1].passed:
        return verdicts
    eq = s.property_check(src, "equivalent", timing=True, examples=60)
    verdicts.append(eq)
    if not eq.passed:
        return verdicts
    verdicts.append(timing_verdict(eq.data, MIN_SPEEDUP))
    return verdicts
