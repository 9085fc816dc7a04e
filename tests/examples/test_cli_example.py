"""The README's command-line walk-through: gateway, worker, deploy, create an instance."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).with_name("zeebe-router"))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZEEBE_", "CAMUNDA_"))}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def _running(*args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start ``zeebe-router ARGS`` from the repository root; stop it with SIGTERM after."""
    process = await asyncio.create_subprocess_exec(
        CLI,
        *args,
        cwd=ROOT,
        env=_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _line_matching(process: asyncio.subprocess.Process, pattern: str) -> re.Match[str]:
    """Read the process's output until a line matches ``pattern``."""
    assert process.stdout is not None
    stdout = process.stdout
    seen: list[str] = []

    async def scan() -> re.Match[str]:
        while line := (await stdout.readline()).decode():
            seen.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matched {pattern!r} in:\n{''.join(seen)}")

    return await asyncio.wait_for(scan(), 20)


async def _cli(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        CLI,
        *args,
        cwd=ROOT,
        env=_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, out.decode()
    return out.decode()


async def test_gateway_worker_deploy_and_instance_with_result() -> None:
    address = f"127.0.0.1:{_free_port()}"
    port = address.rpartition(":")[2]
    async with (
        _running("gateway", "--port", port),
        _running("run", "examples.hello:worker", "--address", address) as worker,
    ):
        await _line_matching(worker, r"worker starting: tasks say-hello")
        deployed = await _cli("deploy", "examples/hello.bpmn", "--address", address)
        assert "hello" in deployed
        created = await _cli(
            "create-instance",
            "hello",
            "--variables",
            '{"name": "CLI"}',
            "--with-result",
            "--address",
            address,
        )
        assert "Hello, CLI!" in created


async def test_run_embedded_serves_a_gateway_and_the_worker_in_one_process() -> None:
    async with _running("run", "examples.hello:worker", "--embedded") as worker:
        match = await _line_matching(worker, r"embedded gateway listening on (\S+)")
        address = match.group(1)
        await _cli("deploy", "examples/hello.bpmn", "--address", address)
        created = await _cli(
            "create-instance", "hello", "--with-result", "--address", address, "--json"
        )
        assert json.loads(created)["variables"] == {"greeting": "Hello, world!"}
