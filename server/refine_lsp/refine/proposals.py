"""Model candidates: ask the configured model for a new version of the function.

The model layer is imported lazily and is optional: with no model configured, or without
the package, this yields nothing and the loop relies on deterministic repair.
"""

from __future__ import annotations

import ast
import textwrap
import threading
from dataclasses import dataclass, field

from .target import Target

SYSTEM = (
    "You repair and improve Python functions. Answer with the complete corrected function "
    "in one ```python block, keeping its name and signature. No explanations."
)


@dataclass
class ModelUsage:
    calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    errors: list[str] = field(default_factory=list)
    budget: object | None = None
    # Every source the model proposed, so the checks can say which one refused each.
    proposals: list[str] = field(default_factory=list)


def model_configured(settings) -> bool:
    m = settings.model
    return bool(m.solver or m.refiner)


def new_usage(settings) -> ModelUsage:
    usage = ModelUsage()
    try:
        from refine_lsp.llm import Budget
    except ImportError:
        return usage
    usage.budget = Budget.for_action(settings.model, max_calls=settings.refine.max_model_calls)
    return usage


def splice_function(source: str, target: Target, code: str) -> str | None:
    """``source`` with the target function replaced by the same-named function in ``code``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    fn = next(
        (
            n
            for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == target.name
        ),
        None,
    )
    if fn is None:
        return None
    code_lines = code.splitlines(keepends=True)
    first = min([fn.lineno] + [d.lineno for d in fn.decorator_list]) - 1
    # Imports the model added above the function are kept only if they already exist.
    func = textwrap.dedent("".join(code_lines[first : fn.end_lineno]))
    lines = source.splitlines(keepends=True)
    head = lines[target.start_line]
    indent = head[: len(head) - len(head.lstrip())]
    new_func = textwrap.indent(func, indent)
    if not new_func.endswith("\n"):
        new_func += "\n"
    return "".join(lines[: target.start_line]) + new_func + "".join(lines[target.end_line + 1 :])


def propose(
    settings,
    usage: ModelUsage,
    source: str,
    target: Target,
    task: str,
    feedback: list[str],
    *,
    n: int = 1,
    temperature: float = 0.0,
    role: str = "solver",
    cancel: threading.Event | None = None,
) -> list[str]:
    """New whole-file sources from the model (possibly none); never raises for model trouble."""
    if not model_configured(settings):
        return []
    try:
        from refine_lsp.llm import ModelError, complete, extract_code
    except ImportError as exc:
        usage.errors.append(f"model layer unavailable: {exc}")
        return []
    lines = source.splitlines()
    func = "\n".join(lines[target.start_line : target.end_line + 1])
    prompt = f"{task}\n\n```python\n{textwrap.dedent(func)}\n```\n"
    if feedback:
        prompt += "\nWhat the checks found:\n" + "\n".join(f"- {f}" for f in feedback)
    if settings.model.solver is None and role == "solver":
        role = "refiner"
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
    try:
        answers = complete(
            messages,
            role=role,
            config=settings.model,
            budget=usage.budget,
            max_tokens=768,
            temperature=temperature,
            n=n,
            cancel_event=cancel,
        )
    except ModelError as exc:
        usage.errors.append(f"{type(exc).__name__}: {exc}")
        return []
    except ValueError as exc:
        usage.errors.append(f"bad request: {exc}")
        return []
    usage.calls += 1
    out = []
    for a in answers:
        usage.tokens += a.prompt_tokens + a.completion_tokens
        usage.cost_usd += a.cost_usd
        if getattr(a, "truncated", False):
            continue
        code = extract_code(a.text, entry_point=target.name)
        new = splice_function(source, target, code) if code else None
        if new is not None and new != source and new not in out:
            out.append(new)
    if answers and not out:
        usage.errors.append("the model's answers held no usable version of the function")
    usage.proposals.extend(out)
    return out
