"""``run --processes N``: keep N worker processes running, forward signals, restart crashes.

Each child is a fresh interpreter (``python -m zeebe_router run ...``) in its own process
group, so a Ctrl+C in the terminal reaches the children once, through the supervisor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zeebe_router.cli._errors import EXIT_USAGE

__all__ = ["Backoff", "Supervisor"]

log = logging.getLogger("zeebe_router.cli")

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Backoff:
    """Delay before restarting a crashed child: doubles per crash, reset after a stable run."""

    initial_s: float = 0.5
    maximum_s: float = 30.0
    stable_after_s: float = 30.0

    def delay(self, crashes: int) -> float:
        """The wait before the restart that follows ``crashes`` consecutive crashes."""
        return float(min(self.maximum_s, self.initial_s * 2 ** max(crashes - 1, 0)))


class Supervisor:
    """Runs ``count`` children built by ``child_argv(index)`` until a signal stops them all."""

    def __init__(
        self,
        count: int,
        child_argv: Callable[[int], Sequence[str]],
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self._count = count
        self._child_argv = child_argv
        self._backoff = backoff or Backoff()
        self._stopping = asyncio.Event()
        self._signals = 0
        self._forwarded: set[int] = set()
        self._children: dict[int, asyncio.subprocess.Process] = {}

    async def run(self) -> int:
        """Start the children and return once all have exited after a signal (or for good).

        The exit code is 0 when every child exited cleanly, else the first failing code.
        """
        loop = asyncio.get_running_loop()
        for sig in _SIGNALS:
            loop.add_signal_handler(sig, self._on_signal, sig)
        try:
            codes = await asyncio.gather(*(self._keep(i) for i in range(self._count)))
        finally:
            for sig in _SIGNALS:
                loop.remove_signal_handler(sig)
        failed = [code for code in codes if code != 0]
        return failed[0] if failed else 0

    def _on_signal(self, sig: signal.Signals) -> None:
        self._signals += 1
        if self._signals == 1:
            log.info("%s: stopping %d worker processes", sig.name, len(self._children))
        else:
            log.warning("%s again: the worker processes exit at once", sig.name)
        self._stopping.set()
        self._forwarded.add(sig.value)
        for process in list(self._children.values()):
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(sig)

    async def _keep(self, index: int) -> int:
        crashes = 0
        while True:
            started = time.monotonic()
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "zeebe_router",
                *self._child_argv(index),
                # Never written to: the child drains when this end closes with us.
                stdin=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
            self._children[index] = process
            log.info("worker process %d started (pid %d)", index, process.pid)
            code = await process.wait()
            del self._children[index]
            if self._stopping.is_set() and -code in self._forwarded:
                # Stopped by the forwarded signal before it could install its handlers.
                code = 0
            if self._stopping.is_set() or code == 0:
                log.info("worker process %d (pid %d) exited with %d", index, process.pid, code)
                return code if code >= 0 else 128 - code
            if code == EXIT_USAGE:
                log.error("worker process %d rejected its arguments; stopping all", index)
                self._on_signal(signal.SIGTERM)
                return code
            crashes = (
                1 if time.monotonic() - started >= self._backoff.stable_after_s else crashes + 1
            )
            delay = self._backoff.delay(crashes)
            log.warning(
                "worker process %d (pid %d) exited with %d; restarting in %.1f s",
                index,
                process.pid,
                code,
                delay,
            )
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            if self._stopping.is_set():
                return code
