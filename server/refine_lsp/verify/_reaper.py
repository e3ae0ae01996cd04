"""The guard between the server and one sandboxed command (run as a script), and the
descendant killer the test worker imports as ``refine_lsp_reaper`` (a copy of this file).

As a script: ``python -I -S _reaper.py CONTROL_FD -- argv...``. It becomes a child
subreaper, so every orphan below it (double forks, setsid daemons) is re-parented to it
instead of to init; it runs ``argv``; when ``argv`` exits, or the control pipe reaches EOF
(the server closed it to cancel, or died), or it gets SIGTERM, it SIGKILLs every
descendant until none is left and exits. Standard library only, no imports at startup
beyond the basics: it starts once per command.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

_PR_SET_CHILD_SUBREAPER = 36


def set_subreaper() -> bool:
    """Make orphaned descendants re-parent to this process; False where the OS refuses."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parents() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) for every process, from /proc/<pid>/stat."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                # The command name may hold spaces and parentheses: split after the last ')'.
                rest = f.read().rsplit(b")", 1)[1].split()
            table[int(name)] = (int(rest[1]), rest[0].decode())
        except (OSError, IndexError, ValueError):
            continue
    return table


def descendants(root: int) -> list[int]:
    """Live (not zombie) descendants of ``root``."""
    table = _parents()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        if table.get(pid, (0, "X"))[1] not in ("Z", "X"):
            found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def has_children() -> bool:
    """Whether anything is left below this process (reaping what has exited)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def kill_descendants(root: int | None = None, rounds: int = 200) -> int:
    """SIGKILL every descendant of ``root`` (default: this process) until none is left.

    Repeats because a process may fork between the scan and the kill; its orphans then
    re-parent to the subreaper and show up in the next scan. Returns how many were killed.
    """
    root = os.getpid() if root is None else root
    killed = 0
    for _ in range(rounds):
        pids = descendants(root)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        if root == os.getpid():
            _reap()
        time.sleep(0.002)
    if root == os.getpid():
        _reap()
    return killed


def _exit_like(status: int) -> None:
    """Exit the way the command did: the same code, or the same signal."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def _guard(control: int, argv: list[str]) -> None:
    set_subreaper()
    os.set_inheritable(control, False)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    try:
        pid = os.fork()
    except OSError as exc:
        os.write(2, f"cannot start {argv[0]}: {exc}\n".encode())
        os._exit(127)
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        except OSError as exc:
            os.write(2, f"cannot start {argv[0]}: {exc}\n".encode())
        os._exit(127)
    # Our copies of the command's pipes would keep the server's reader waiting after it ends.
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    try:
        watch = [control, os.pidfd_open(pid)]
    except (AttributeError, OSError):
        watch = [control]
    status = None
    while not stop:
        try:
            ready, _, _ = select.select(watch, [], [], 0.05)
        except InterruptedError:
            continue
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
        if control in ready:
            try:
                data = os.read(control, 64)
            except OSError:
                data = b""
            if not data:  # EOF: the server wants everything gone (or is gone itself)
                break
    if status is None or has_children():  # a subreaper: any leftover is a child of ours
        kill_descendants()
    if status is None:
        os._exit(137)
    _exit_like(status)


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.stderr.write("usage: _reaper.py CONTROL_FD -- argv...\n")
        sys.exit(2)
    _guard(int(sys.argv[1]), sys.argv[3:])
