"""The one place litellm is imported: lazily, offline, silent on stdout.

The server's stdout is the LSP channel, so nothing litellm does may print there. litellm
prints "Give Feedback / Get Help" banners unless ``suppress_debug_info`` is set, and its
log handler routes records below WARNING to *stdout*; both are turned off here, and its
loggers are left to propagate to whatever logging the host configured, through a filter
that redacts keys.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from types import ModuleType

from .redact import RedactingFilter

_lock = threading.Lock()
_litellm: ModuleType | None = None
_LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx", "openai")


def litellm() -> ModuleType:
    """The configured litellm module, imported on first use (several seconds, once)."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _lock:
        if _litellm is None:
            _litellm = _load()
    return _litellm


def loaded() -> bool:
    return _litellm is not None


def warm_up() -> None:
    """Import litellm and make one call to a throwaway server on 127.0.0.1, which loads the
    modules (OpenAI client, HTTP stack) a first real call would otherwise load inside its
    timeout. Nothing leaves the machine."""
    lm = litellm()
    from .fake_server import FakeOpenAI

    try:
        with FakeOpenAI(responder=lambda _request: "ok") as srv:
            lm.completion(
                model="openai/warm-up",
                messages=[{"role": "user", "content": "ok"}],
                api_base=srv.url + "/v1",
                api_key="warm-up",
                timeout=30,
                max_retries=0,
            )
    except Exception:  # warming is best effort; a real call reports real errors
        pass


def preload() -> threading.Thread:
    """Warm litellm on a daemon thread so the first model call does not pay for it."""
    t = threading.Thread(target=warm_up, name="litellm-preload", daemon=True)
    t.start()
    return t


def _load() -> ModuleType:
    # Offline by default: the bundled cost map, never a download at import.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # Before the import: litellm logs while importing, through a handler that writes records
    # below WARNING to stdout, at whatever level the host's root logger allows.
    for name in _LITELLM_LOGGERS:
        _at_least_warning(logging.getLogger(name))
    # No garbage collection while litellm imports: a collected litellm HTTP handler's
    # __del__ imports litellm.llms.custom_httpx.aiohttp_transport, and run by the collector
    # in another thread in the middle of that import it hung the server for good (seen
    # once in the suite: the main thread stuck in _get_module_lock). Imported here, that
    # module is in sys.modules before any handler can be collected.
    collecting = gc.isenabled()
    gc.disable()
    try:
        import litellm as lm

        try:
            import litellm.llms.custom_httpx.aiohttp_transport  # noqa: F401
        except ImportError:  # another litellm layout: nothing to pre-import
            pass
    finally:
        if collecting:
            gc.enable()

    lm.telemetry = False
    lm.suppress_debug_info = True
    lm.set_verbose = False
    lm.drop_params = True  # providers without logprobs or n get the call without them
    _quiet_loggers()
    from . import local

    local.register(lm)
    return lm


def _at_least_warning(logger: logging.Logger) -> None:
    if logger.level == logging.NOTSET or logger.level < logging.WARNING:
        logger.setLevel(logging.WARNING)


def _from_litellm(handler: logging.Handler) -> bool:
    return type(handler).__module__.startswith("litellm")


def _quiet_loggers() -> None:
    redacting = RedactingFilter()
    # With JSON_LOGS set, litellm also puts its stdout-routing handler on the root logger.
    root = logging.getLogger()
    for handler in list(root.handlers):
        if _from_litellm(handler):
            root.removeHandler(handler)
    for name in _LITELLM_LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)  # litellm's own handler may write to stdout
        _at_least_warning(logger)
        logger.propagate = True
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(redacting)
