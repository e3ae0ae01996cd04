"""The model layer: the only package that imports litellm, and only on first use.

    from refine_lsp.llm import complete, Budget, extract_code
    budget = Budget.for_action(settings.model, max_calls=settings.refine.max_model_calls)
    [answer] = complete(messages, role="solver", config=settings.model, budget=budget)
    code = answer.code(entry_point="f")   # None: garbage, wrong language, truncated

Importing this package does not import litellm (that takes seconds); call ``preload()`` to
warm it in the background.
"""

from .budget import Budget, Completion
from .client import acomplete, complete, model_for
from .errors import (
    BadModelOutput,
    BudgetExceeded,
    ModelCancelled,
    ModelError,
    ModelRateLimited,
    ModelTimeout,
    ModelUnavailable,
)
from .extract import CODE_STOP, extract_code
from .inline import acomplete_inline, complete_inline, supports_fim, trim_context
from .redact import RedactingFilter, redact
from .runtime import preload

__all__ = [
    "CODE_STOP",
    "BadModelOutput",
    "Budget",
    "BudgetExceeded",
    "Completion",
    "ModelCancelled",
    "ModelError",
    "ModelRateLimited",
    "ModelTimeout",
    "ModelUnavailable",
    "RedactingFilter",
    "acomplete",
    "acomplete_inline",
    "complete",
    "complete_inline",
    "extract_code",
    "model_for",
    "preload",
    "redact",
    "supports_fim",
    "trim_context",
]
