"""The pytest plugin's fixtures: gateway, channel, lazily started worker, job environment."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from zeebe_router import BpmnError, Job, ZeebeTaskRouter
from zeebe_router.testing import EmbeddedGateway, JobEnvironment
from zeebe_router.testing.pytest_plugin import LazyStartWorker


async def test_gateway_fixture_serves_a_started_gateway(zeebe_gateway: EmbeddedGateway) -> None:
    assert zeebe_gateway.port > 0
    key = zeebe_gateway.create_job("plugin-gateway-job")
    assert zeebe_gateway.job(key).state == "activatable"


async def test_channel_fixture_reaches_the_gateway(zeebe_channel: object) -> None:
    import grpc

    assert isinstance(zeebe_channel, grpc.aio.Channel)
    await asyncio.wait_for(zeebe_channel.channel_ready(), 5)


async def test_tasks_registered_in_the_test_run_jobs(
    zeebe_gateway: EmbeddedGateway, zeebe_worker: LazyStartWorker
) -> None:
    @zeebe_worker.task("plugin-greet")
    async def greet(name: str) -> dict[str, str]:
        return {"greeting": f"hi {name}"}

    started_at_registration = zeebe_worker.started
    key = zeebe_gateway.create_job("plugin-greet", {"name": "Ada"})
    job = await zeebe_gateway.wait_for_job(key, "completed", timeout=10)
    assert (started_at_registration, zeebe_worker.started) == (False, True)
    assert job.variables["greeting"] == "hi Ada"
    assert job.activations == 1


async def test_included_router_tasks_run(
    zeebe_gateway: EmbeddedGateway, zeebe_worker: LazyStartWorker
) -> None:
    router = ZeebeTaskRouter()

    @router.task("plugin-decline")
    def decline(amount: float) -> None:
        raise BpmnError("DECLINED", f"{amount} is too much")

    zeebe_worker.include_router(router)
    key = zeebe_gateway.create_job("plugin-decline", {"amount": 5000})
    job = await zeebe_gateway.wait_for_job(key, "error_thrown", timeout=10)
    assert job.error_code == "DECLINED"


async def test_registering_after_the_worker_started_is_refused(
    zeebe_gateway: EmbeddedGateway, zeebe_worker: LazyStartWorker
) -> None:
    @zeebe_worker.task("plugin-first")
    async def first() -> None:
        return None

    key = zeebe_gateway.create_job("plugin-first")
    await zeebe_gateway.wait_for_job(key, "completed", timeout=10)
    with pytest.raises(RuntimeError, match="before the test's first await"):

        @zeebe_worker.task("plugin-too-late")
        async def too_late() -> None:
            return None

    with pytest.raises(RuntimeError, match="before the test's first await"):
        zeebe_worker.include_router(ZeebeTaskRouter())
    assert [t.type for t in zeebe_worker.tasks] == ["plugin-first"]


async def test_worker_without_tasks_never_starts(zeebe_worker: LazyStartWorker) -> None:
    await asyncio.sleep(0)
    assert not zeebe_worker.started


async def test_job_env_runs_one_handler_without_network(job_env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("plugin-double")
    async def double(value: int, job: Job) -> dict[str, int]:
        return {"doubled": value * 2, "retries_left": job.retries}

    outcome = await job_env.run(router, variables={"value": 21})
    assert outcome.completed
    assert outcome.variables == {"doubled": 42, "retries_left": 3}


def test_plugin_is_registered_by_entry_point(tmp_path: Path) -> None:
    """A project with zeebe-router installed gets the fixtures with no conftest."""
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    (tmp_path / "test_uses_fixtures.py").write_text(
        textwrap.dedent(
            """
            async def test_greet(zeebe_gateway, zeebe_worker):
                @zeebe_worker.task("entry-point-greet")
                async def greet(name: str) -> dict:
                    return {"greeting": "hi " + name}

                key = zeebe_gateway.create_job("entry-point-greet", {"name": "Grace"})
                job = await zeebe_gateway.wait_for_job(key, "completed", timeout=10)
                assert job.variables["greeting"] == "hi Grace"
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
