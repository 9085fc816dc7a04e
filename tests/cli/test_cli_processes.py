"""``run --processes N``: worker processes share the jobs, restart after a crash, drain."""

from __future__ import annotations

import re
import signal
import uuid

from tests.cli.cli_harness import Proc, start
from zeebe_router.testing._embedded import EmbeddedGateway


async def start_supervisor(procs: list[Proc], address: str, task_type: str) -> Proc:
    proc = await start(
        "zeebe_router",
        "run",
        "apps.orders:router",
        "--processes",
        "2",
        "--address",
        address,
        APP_TASK_TYPE=task_type,
    )
    procs.append(proc)
    first = await proc.wait_for_line(f"worker starting: tasks {task_type}")
    await proc.wait_for_line(
        f"worker starting: tasks {task_type}", start=proc.lines.index(first.string) + 1
    )
    return proc


async def test_two_processes_share_the_jobs_and_answer_each_once(procs: list[Proc]) -> None:
    task_type = f"cli-procs-{uuid.uuid4().hex[:8]}"
    async with EmbeddedGateway() as gateway:
        proc = await start_supervisor(procs, gateway.address, task_type)
        await gateway.wait_for(lambda: len(gateway.streams(task_type)) == 2, timeout=20)

        keys = [
            gateway.create_job(task_type, {"order_id": f"P-{i}", "work_s": 0.05}) for i in range(30)
        ]
        done = await gateway.wait_for_jobs(
            lambda job: job.type == task_type and job.state == "completed", 30, timeout=30
        )

        assert sorted(job.key for job in done) == sorted(keys)
        assert all(job.answers == 1 for job in done)
        pids = set(re.findall(r"handling order P-\d+ in (\d+)", proc.output))
        assert len(pids) == 2
        proc.signal(signal.SIGTERM)
        assert await proc.wait() == 0
        assert proc.output.count("worker stopped:") == 2


async def test_a_crashed_process_is_restarted(procs: list[Proc]) -> None:
    task_type = f"cli-procs-{uuid.uuid4().hex[:8]}"
    async with EmbeddedGateway() as gateway:
        proc = await start_supervisor(procs, gateway.address, task_type)

        gateway.create_job(task_type, {"order_id": "X-1", "crash": True}, retries=1)
        crash = await proc.wait_for_line(r"worker process (\d) \(pid \d+\) exited with 3")
        index = crash.group(1)
        await proc.wait_for_line(
            rf"worker process {index} started", start=proc.lines.index(crash.string)
        )
        key = gateway.create_job(task_type, {"order_id": "X-2"})
        await gateway.wait_for_job(key, "completed", timeout=20)

        proc.signal(signal.SIGTERM)
        assert await proc.wait() == 0


async def test_workers_drain_and_exit_when_their_supervisor_is_killed(procs: list[Proc]) -> None:
    task_type = f"cli-procs-{uuid.uuid4().hex[:8]}"
    async with EmbeddedGateway() as gateway:
        proc = await start_supervisor(procs, gateway.address, task_type)
        await gateway.wait_for(lambda: len(gateway.streams(task_type)) == 2, timeout=20)

        proc.signal(signal.SIGKILL)
        # The output pipe ends only once both worker processes have exited.
        assert await proc.wait() == -signal.SIGKILL
        assert proc.output.count("the supervising process is gone: draining") == 2
        assert proc.output.count("worker stopped:") == 2
        await gateway.wait_for(lambda: not gateway.streams(task_type), timeout=10)
