"""Child processes of a benchmark run: the gateway and the contenders."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

from bench.spec import RunSpec

__all__ = ["BenchError", "GatewayProcess", "open_log", "run_contender", "subprocess_env"]

_ROOT = Path(__file__).resolve().parent.parent
#: Beyond the contender's own window: start-up, stop and slack.
_CONTENDER_SLACK_S = 90.0


def open_log(path: Path) -> BinaryIO:
    """A log file for a child's output (opening one is quick enough for the event loop)."""
    return open(path, "wb")


class BenchError(RuntimeError):
    """A child process misbehaved; its stderr log (named in the message) says why."""


def subprocess_env() -> dict[str, str]:
    """This environment, with the project root importable (for ``bench.*``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


class GatewayProcess:
    """``bench.gateway_proc`` in a child process, commanded line by line."""

    def __init__(self, log_dir: Path) -> None:
        self._log_path = log_dir / "gateway.log"
        self._proc: asyncio.subprocess.Process | None = None
        self.address = ""

    async def start(self) -> None:
        """Start the gateway and wait until it serves."""
        with open_log(self._log_path) as log:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.gateway_proc",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=_ROOT,
                env=subprocess_env(),
            )
        ready = await self._read(30.0)
        self.address = str(ready["address"])

    async def _read(self, timeout_s: float) -> dict[str, Any]:
        assert self._proc is not None
        assert self._proc.stdout is not None
        line = await asyncio.wait_for(self._proc.stdout.readline(), timeout_s)
        if not line:
            raise BenchError(f"the gateway exited; see {self._log_path}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    async def command(self, timeout_s: float = 300.0, **command: Any) -> dict[str, Any]:
        """Send one command and return the gateway's answer.

        Raises:
            BenchError: the gateway refused the command or exited.
        """
        assert self._proc is not None
        assert self._proc.stdin is not None
        self._proc.stdin.write((json.dumps(command) + "\n").encode())
        await self._proc.stdin.drain()
        reply = await self._read(timeout_s)
        if not reply.get("ok"):
            raise BenchError(f"gateway refused {command.get('op')}: {reply.get('error')}")
        return reply

    async def stop(self) -> None:
        """Ask the gateway to quit; kill it if it does not."""
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(ConnectionError):
                proc.stdin.write(b'{"op": "quit"}\n')
                await proc.stdin.drain()
                proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 10.0)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()


async def run_contender(
    spec: RunSpec, log_dir: Path, ready: asyncio.Event | None = None
) -> dict[str, Any]:
    """Run one contender process to the end and return its ``RESULT``.

    ``ready`` is set when the contender's worker has started.

    Raises:
        BenchError: the contender exited without a result or overran its time.
    """
    log_path = log_dir / f"{spec.job_type}.log"
    with open_log(log_path) as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.contender",
            spec.to_json(),
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            cwd=_ROOT,
            env=subprocess_env(),
        )
    deadline = spec.first_job_timeout_s + spec.cap_s + _CONTENDER_SLACK_S
    lines: list[str] = []

    async def collect() -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            text = line.decode().strip()
            lines.append(text)
            if text == "READY" and ready is not None:
                ready.set()
        await proc.wait()

    try:
        await asyncio.wait_for(collect(), deadline)
    except asyncio.TimeoutError as exc:
        proc.kill()
        await proc.wait()
        raise BenchError(f"{spec.contender} overran {deadline:.0f} s; see {log_path}") from exc
    results = [json.loads(t[len("RESULT ") :]) for t in lines if t.startswith("RESULT ")]
    result: dict[str, Any] | None = results[-1] if results else None
    if result is None:
        raise BenchError(f"{spec.contender} gave no result; see {log_path}")
    if "error" in result:
        raise BenchError(f"{spec.contender}: {result['error']}; see {log_path}")
    return result
