"""A real model backend for ModelProcess tests that need no llama.cpp: it answers, sleeps,
prints, fails and crashes on demand, inside the real child process."""

from __future__ import annotations

import os
import signal
import sys
import time


class ScriptedBackend:
    def __init__(self) -> None:
        if os.environ.get("SCRIPTED_BACKEND_FAIL_AT_START"):
            raise RuntimeError("refusing to start, as asked")
        self.loads = 0

    def echo(self, text: str, timeout_s: float | None = None) -> dict:
        return {"text": text, "pid": os.getpid(), "timeout_s": timeout_s}

    def load(self, path: str, timeout_s: float | None = None) -> int:
        self.loads += 1
        return self.loads

    def loads_so_far(self, timeout_s: float | None = None) -> int:
        return self.loads

    def sleep(self, seconds: float, marker: str = "", timeout_s: float | None = None) -> str:
        if marker:  # tells the test the call is under way in this process
            with open(marker, "w") as f:
                f.write(str(os.getpid()))
        time.sleep(seconds)  # ignores its deadline, as a hung model would
        return "slept"

    def say(self, text: str, timeout_s: float | None = None) -> None:
        print(text, file=sys.stderr, flush=True)
        print(text, flush=True)  # fd 1 as well: llama.cpp writes there too

    def fail(self, message: str, timeout_s: float | None = None) -> None:
        raise RuntimeError(message)

    def time_out(self, timeout_s: float | None = None) -> None:
        raise TimeoutError(f"ran past {timeout_s} s")

    def crash(self, sig: str, timeout_s: float | None = None) -> None:
        os.kill(os.getpid(), signal.Signals[sig])
        time.sleep(60)

    def exit(self, status: int, timeout_s: float | None = None) -> None:
        os._exit(status)

    def env(self, name: str, timeout_s: float | None = None) -> str | None:
        return os.environ.get(name)

    def generate(
        self,
        path: str,
        messages: list[dict],
        max_tokens: int = 256,
        temperature: float = 0.0,
        stop: list[str] | None = None,
        seed: int | None = None,
        timeout_s: float | None = None,
    ) -> dict:
        """The local provider's method: the last message's content says what to do."""
        said = messages[-1]["content"]
        if said.startswith("CRASH:"):
            self.crash(said.removeprefix("CRASH:"))
        if said.startswith("SLEEP:"):
            self.sleep(float(said.removeprefix("SLEEP:")))
        return {
            "text": f"echo: {said}",
            "prompt_tokens": len(said.split()),
            "completion_tokens": len(said.split()) + 1,
            "finish_reason": "stop",
        }
