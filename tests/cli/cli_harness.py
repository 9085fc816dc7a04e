"""Run ``python -m zeebe_router`` as a subprocess and wait on its output, never on sleeps."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parent.parent


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess: the repo and the test apps importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZEEBE_", "CAMUNDA_"))}
    first = [extra.pop("PYTHONPATH_FIRST")] if "PYTHONPATH_FIRST" in extra else []
    env["PYTHONPATH"] = os.pathsep.join([*first, str(REPO), str(HERE)])
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run_cli(*args: str, timeout: float = 30, **env: str) -> subprocess.CompletedProcess[str]:
    """Run one CLI command to its end."""
    return subprocess.run(
        [sys.executable, "-m", "zeebe_router", *args],
        cwd=HERE,
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proc:
    """A running subprocess whose merged output is read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._new_line = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            async with self._new_line:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._new_line.notify_all()
        async with self._new_line:
            self._new_line.notify_all()

    async def wait_for_line(
        self, pattern: str, timeout: float = 20, start: int = 0
    ) -> re.Match[str]:
        """The first output line (from index ``start``) matching ``pattern``."""
        regex = re.compile(pattern)

        async def find() -> re.Match[str]:
            seen = start
            async with self._new_line:
                while True:
                    for line in self.lines[seen:]:
                        if match := regex.search(line):
                            return match
                    seen = len(self.lines)
                    if self._reader.done():
                        raise AssertionError(
                            f"exited before printing {pattern!r}:\n" + "\n".join(self.lines)
                        )
                    await self._new_line.wait()

        try:
            return await asyncio.wait_for(find(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(
                f"no line matching {pattern!r} in {timeout} s:\n" + "\n".join(self.lines)
            ) from None

    def signal(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)

    async def wait(self, timeout: float = 30) -> int:
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.wait_for(self._reader, timeout)
        return code

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


async def start(module: str, *args: str, **env: str) -> Proc:
    """Start ``python -m module args...`` in its own process group, output merged."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        cwd=HERE,
        env=cli_env(**env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    return Proc(process)


async def stop(proc: Proc) -> None:
    if proc.process.returncode is None:
        proc.process.kill()
    await proc.wait()


async def http_get(port: int, path: str, timeout: float = 10) -> tuple[int, str]:
    """GET ``http://127.0.0.1:port/path``; return the status and the body."""

    async def get() -> tuple[int, str]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await writer.drain()
        response = await reader.read()
        writer.close()
        await writer.wait_closed()
        head, _, body = response.decode().partition("\r\n\r\n")
        return int(head.split()[1]), body

    return await asyncio.wait_for(get(), timeout)
