"""Fixtures of the command-line tests; the helpers live in ``tests.cli.cli_harness``."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator

import pytest

from tests.cli.cli_harness import Proc


@pytest.fixture
async def procs() -> AsyncIterator[list[Proc]]:
    """Subprocesses a test starts; killed, with their process group, at its end."""
    started: list[Proc] = []
    yield started
    for proc in started:
        if proc.process.returncode is None:
            os.killpg(proc.process.pid, signal.SIGKILL)
        await proc.wait()
