"""LlamaBackend: llama.cpp on the CPU, run inside the model process (see model_process).

Only the model process imports llama_cpp: a crash in native code (an instruction the CPU
lacks, a segfault) ends that process, never the server.
"""

from __future__ import annotations

import os
import time
from typing import Any

_N_CTX = 4096


def threads() -> int:
    # llama.cpp's threads spin at barriers, so when they share cores with other work (the
    # editor, the loop's parallel test runs) they slow down sharply: measured on 2 busy
    # cores, 1 thread gave 7.9 tokens/s and 2 threads 1.1. Half the cores by default.
    env = os.environ.get("REFINE_LSP_LOCAL_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(8, (os.cpu_count() or 2) // 2))


class LlamaBackend:
    """GGUF chat models by path, loaded on first use and kept for the process's life."""

    def __init__(self) -> None:
        import llama_cpp  # noqa: F401 - fail at start-up, with the import error, if broken

        self._models: dict[str, Any] = {}

    def load(self, path: str, timeout_s: float | None = None) -> dict[str, Any]:
        if path not in self._models:
            if not os.path.isfile(path):
                raise FileNotFoundError(f"local model file not found: {path}")
            from llama_cpp import Llama

            self._models[path] = Llama(
                model_path=path,
                n_ctx=_N_CTX,
                n_threads=threads(),
                n_threads_batch=threads(),  # prompt evaluation; defaults to all cores
                verbose=False,  # llama.cpp otherwise logs every load to stderr
            )
        return {"pid": os.getpid(), "threads": threads()}

    def generate(
        self,
        path: str,
        messages: list[dict],
        max_tokens: int = 256,
        temperature: float = 0.0,
        stop: list[str] | None = None,
        seed: int | None = None,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        """One chat completion: {"text", "prompt_tokens", "completion_tokens",
        "finish_reason"}. Raises TimeoutError when the deadline passes mid-generation."""
        self.load(path)
        model = self._models[path]
        deadline = time.monotonic() + timeout_s if timeout_s else None
        # Streaming lets the deadline be checked between tokens.
        stream = model.create_chat_completion(
            messages=messages,
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
        # Approximate: the chat template adds a few tokens per message.
        prompt = "\n".join(m["content"] for m in messages)
        prompt_tokens = len(model.tokenize(prompt.encode(), add_bos=True)) + 4 * len(messages)
        completion_tokens = len(model.tokenize(text.encode(), add_bos=False)) if text else 0
        return {
            "text": text,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "finish_reason": finish or "stop",
        }

    def pid(self, timeout_s: float | None = None) -> int:
        return os.getpid()
