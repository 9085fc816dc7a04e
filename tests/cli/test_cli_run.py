"""``zeebe-router run``: loading the target, draining on signals, exit codes."""

from __future__ import annotations

import json
import signal
import uuid
from collections.abc import AsyncIterator

import pytest

from tests.cli.cli_harness import Proc, run_cli, start
from zeebe_router.testing._embedded import EmbeddedGateway


@pytest.fixture
async def gateway() -> AsyncIterator[EmbeddedGateway]:
    async with EmbeddedGateway() as gw:
        yield gw


@pytest.fixture
def task_type() -> str:
    return f"cli-run-{uuid.uuid4().hex[:8]}"


async def start_worker(
    procs: list[Proc], gateway: EmbeddedGateway, task_type: str, *extra: str
) -> Proc:
    proc = await start(
        "zeebe_router",
        "run",
        "apps.orders:router",
        "--address",
        gateway.address,
        *extra,
        APP_TASK_TYPE=task_type,
    )
    procs.append(proc)
    await proc.wait_for_line(f"worker starting: tasks {task_type}")
    return proc


async def test_sigterm_lets_the_running_job_finish_and_exits_0(
    procs: list[Proc], gateway: EmbeddedGateway, task_type: str
) -> None:
    proc = await start_worker(procs, gateway, task_type, "--grace-period", "20")
    key = gateway.create_job(task_type, {"order_id": "A-1", "work_s": 0.5})
    await proc.wait_for_line("handling order A-1")

    proc.signal(signal.SIGTERM)

    assert await proc.wait() == 0, proc.output
    assert (await gateway.wait_for_job(key, "completed")).answers == 1
    assert "SIGTERM received: draining" in proc.output
    assert "worker stopped: 1 jobs finished, 0 handed back" in proc.output


async def test_second_signal_exits_at_once_with_a_non_zero_code(
    procs: list[Proc], gateway: EmbeddedGateway, task_type: str
) -> None:
    proc = await start_worker(procs, gateway, task_type, "--grace-period", "60")
    gateway.create_job(task_type, {"order_id": "B-1", "work_s": 60})
    await proc.wait_for_line("handling order B-1")

    proc.signal(signal.SIGINT)
    await proc.wait_for_line("SIGINT received: draining")
    proc.signal(signal.SIGINT)

    assert await proc.wait(timeout=10) == 128 + signal.SIGINT
    assert "SIGINT received again: exiting without draining" in proc.output


@pytest.mark.parametrize(
    "target",
    [
        # A factory returning a router is called and the router run.
        pytest.param("apps.orders:make_router", id="factory-of-a-router"),
        # A worker made without a channel opens it from the --address flag.
        pytest.param("apps.orders:worker_from_env", id="worker-without-a-channel"),
    ],
)
async def test_targets_run_against_the_address_flag(
    procs: list[Proc], gateway: EmbeddedGateway, task_type: str, target: str
) -> None:
    proc = await start(
        "zeebe_router", "run", target, "--address", gateway.address, APP_TASK_TYPE=task_type
    )
    procs.append(proc)
    key = gateway.create_job(task_type, {"order_id": "C-1"})

    assert (await gateway.wait_for_job(key, "completed", timeout=20)).answers == 1
    proc.signal(signal.SIGTERM)
    assert await proc.wait() == 0


def test_connection_flags_for_a_worker_with_its_own_channel_are_refused() -> None:
    result = run_cli("run", "apps.orders:worker_with_channel", "--address", "127.0.0.1:26500")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "zeebe-router: error: apps.orders:worker_with_channel is a ZeebeWorker with its own "
        "channel, so --address cannot apply; expose a ZeebeTaskRouter (or create the worker "
        "without a channel), or drop those flags"
    )


@pytest.mark.parametrize(
    ("target", "message", "code"),
    [
        (
            "apps.not_a_worker:answer",
            "apps.not_a_worker:answer is an int, not a ZeebeWorker, a ZeebeTaskRouter or a "
            "zero-argument callable returning one",
            2,
        ),
        (
            "apps.not_a_worker:make_nothing",
            "apps.not_a_worker:make_nothing() is a NoneType, not a ZeebeWorker",
            2,
        ),
        (
            "apps.not_a_worker:make_broken",
            "apps.not_a_worker:make_broken() raised ValueError: no credentials",
            1,
        ),
        ("apps.orders:empty_router", "apps.orders:empty_router has no tasks", 2),
    ],
)
def test_targets_that_are_not_workers(target: str, message: str, code: int) -> None:
    result = run_cli("run", target)
    assert result.returncode == code
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"zeebe-router: error: {message}")


async def test_json_logs_are_one_object_per_line(
    procs: list[Proc], gateway: EmbeddedGateway, task_type: str
) -> None:
    proc = await start_worker(procs, gateway, task_type, "--log-format", "json")
    proc.signal(signal.SIGTERM)
    assert await proc.wait() == 0
    records = [json.loads(line) for line in proc.lines if line.startswith("{")]
    messages = [r.get("message", "") for r in records]
    assert any(m.startswith("SIGTERM received: draining") for m in messages), proc.output
    assert any(m.startswith("worker stopped:") for m in messages)


async def test_embedded_gateway_is_shared_by_worker_processes(procs: list[Proc]) -> None:
    task_type = f"cli-run-{uuid.uuid4().hex[:8]}"
    proc = await start(
        "zeebe_router",
        "run",
        "apps.orders:router",
        "--embedded",
        "--processes",
        "2",
        APP_TASK_TYPE=task_type,
    )
    procs.append(proc)
    address = (await proc.wait_for_line(r"embedded gateway listening on (\S+)")).group(1)
    first = await proc.wait_for_line(f"worker starting: tasks {task_type}")
    await proc.wait_for_line(
        f"worker starting: tasks {task_type}", start=proc.lines.index(first.string) + 1
    )
    result = run_cli("topology", "--address", address)
    assert result.returncode == 0, result.stderr
    proc.signal(signal.SIGTERM)
    assert await proc.wait() == 0
