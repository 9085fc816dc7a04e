"""The handler contract over a real gRPC connection to the embedded gateway."""

from __future__ import annotations

import concurrent.futures
import importlib
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from zeebe_router.controller import JobController
from zeebe_router.errors import BpmnError, JobFailure
from zeebe_router.gateway import ZeebeGateway
from zeebe_router.job import Job, JobResult, JobResultCorrections
from zeebe_router.pipeline import Executors, build_runners
from zeebe_router.routing import ZeebeTaskRouter
from zeebe_router.testing._embedded import EmbeddedGateway
from zeebe_router.testing._engine.snapshots import JobSnapshot


@pytest.fixture
async def gateway() -> AsyncIterator[EmbeddedGateway]:
    async with EmbeddedGateway() as gw:
        yield gw


@pytest.fixture
def executors() -> Iterator[Executors]:
    with concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="wire") as pool:
        yield Executors(pool, lambda: pool)


async def work_once(
    gateway: EmbeddedGateway,
    router: ZeebeTaskRouter,
    executors: Executors,
    job_type: str,
    variables: dict[str, object] | None = None,
    retries: int = 3,
    headers: dict[str, str] | None = None,
) -> JobSnapshot:
    """Create one job, activate it over the wire, run its pipeline and return its state."""
    key = gateway.create_job(job_type, variables or {}, headers=headers, retries=retries)
    adapter = ZeebeGateway(gateway.channel())
    runner = build_runners(router, executors)[job_type]
    config = runner.config
    jobs: list[Job] = []
    async for job in adapter.activate_jobs(
        job_type,
        "wire-test",
        config.timeout_ms,
        config.max_jobs_to_activate,
        config.variables_to_fetch,
        request_timeout_ms=5000,
    ):
        jobs.append(job)
        break
    assert [job.key for job in jobs] == [key]
    await runner.run(jobs[0], JobController(jobs[0], adapter))
    snapshot = gateway.job(key)
    assert snapshot.answers == 1
    return snapshot


async def test_dict_completes_over_the_wire(gateway: EmbeddedGateway, executors: Executors) -> None:
    router = ZeebeTaskRouter()

    @router.task("wire-dict")
    async def charge(order_id: str, job: Job) -> dict[str, object]:
        return {"receipt": f"r-{order_id}", "attempt": job.retries}

    job = await work_once(gateway, router, executors, "wire-dict", {"order_id": "7", "n": 1})

    assert job.state == "completed"
    assert job.variables == {"order_id": "7", "n": 1, "receipt": "r-7", "attempt": 3}


async def test_none_single_value_and_listener_result_complete(
    gateway: EmbeddedGateway, executors: Executors
) -> None:
    router = ZeebeTaskRouter()

    @router.task("wire-none")
    def nothing() -> None:
        return None

    @router.task("wire-single", single_value=True, variable_name="total")
    def total(a: int, b: int) -> int:
        return a + b

    @router.task("wire-listener")
    async def listener(job: Job) -> JobResult:
        return JobResult(variables={"ok": True}, corrections=JobResultCorrections(priority=10))

    none = await work_once(gateway, router, executors, "wire-none", {"x": 1})
    single = await work_once(gateway, router, executors, "wire-single", {"a": 1, "b": 2})
    result = await work_once(gateway, router, executors, "wire-listener")

    assert (none.state, none.variables) == ("completed", {"x": 1})
    assert single.variables == {"a": 1, "b": 2, "total": 3}
    assert (result.state, result.variables) == ("completed", {"ok": True})


async def test_bpmn_error_and_job_failure_over_the_wire(
    gateway: EmbeddedGateway, executors: Executors
) -> None:
    router = ZeebeTaskRouter()

    @router.task("wire-bpmn")
    async def reject() -> None:
        raise BpmnError("REJECTED", "not today")

    @router.task("wire-failure")
    async def give_up() -> None:
        raise JobFailure("give up", retries=0)

    @router.task("wire-backoff")
    async def later() -> None:
        raise JobFailure("later", retry_backoff_ms=60_000)

    thrown = await work_once(gateway, router, executors, "wire-bpmn")
    failed = await work_once(gateway, router, executors, "wire-failure")
    backoff = await work_once(gateway, router, executors, "wire-backoff", retries=3)

    assert (thrown.state, thrown.error_code, thrown.error_message) == (
        "error_thrown",
        "REJECTED",
        "not today",
    )
    assert (failed.state, failed.retries, failed.error_message) == ("failed", 0, "give up")
    assert (backoff.state, backoff.retries) == ("retry_backoff", 2)


async def test_exception_and_unserialisable_output_fail_over_the_wire(
    gateway: EmbeddedGateway, executors: Executors
) -> None:
    router = ZeebeTaskRouter()

    @router.task("wire-exception")
    def broken(amount: int) -> None:
        raise ValueError(f"bad amount {amount}")

    @router.task("wire-unserialisable")
    async def odd() -> dict[str, object]:
        return {"when": {1, 2}}

    @router.task("wire-missing")
    async def needs(order_id: str) -> None: ...

    exc = await work_once(gateway, router, executors, "wire-exception", {"amount": 3})
    odd_job = await work_once(gateway, router, executors, "wire-unserialisable", retries=1)
    missing = await work_once(gateway, router, executors, "wire-missing")

    assert (exc.state, exc.retries, exc.error_message) == (
        "activatable",
        2,
        "ValueError: bad amount 3",
    )
    assert (odd_job.state, odd_job.retries) == ("failed", 0)
    assert "'when'" in odd_job.error_message
    assert "'order_id'" in missing.error_message


async def test_handler_answering_itself_over_the_wire(
    gateway: EmbeddedGateway, executors: Executors
) -> None:
    router = ZeebeTaskRouter()

    @router.task("wire-controller")
    async def by_hand(controller: JobController) -> dict[str, object]:
        await controller.extend_timeout(60_000)
        await controller.fail("by hand", retries=5)
        return {"ignored": True}

    job = await work_once(gateway, router, executors, "wire-controller")

    assert (job.state, job.retries, job.error_message) == ("activatable", 5, "by hand")
    assert gateway.calls["CompleteJob"] == 0
    assert gateway.calls["UpdateJobTimeout"] == 1


async def test_answer_for_a_vanished_job_is_logged_not_raised(
    gateway: EmbeddedGateway, executors: Executors, caplog: pytest.LogCaptureFixture
) -> None:
    router = ZeebeTaskRouter()

    @router.task("wire-vanished")
    async def handler(job: Job) -> None:
        # Another worker answered first: this worker's answer finds no job.
        await ZeebeGateway(gateway.channel()).complete_job(job.key, {"other": True})

    job = await work_once(gateway, router, executors, "wire-vanished")

    assert job.variables == {"other": True}
    assert any("could not answer" in r.getMessage() for r in caplog.records)


@pytest.fixture
def pyzeebe_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[ZeebeTaskRouter]:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    names = ("pyzeebe_app.orders", "pyzeebe_app.shipping", "pyzeebe_app")
    for name in names:
        sys.modules.pop(name, None)
    root = ZeebeTaskRouter()
    root.include_router(
        importlib.import_module("pyzeebe_app.orders").router,
        importlib.import_module("pyzeebe_app.shipping").router,
    )
    yield root
    for name in names:
        sys.modules.pop(name, None)


async def test_pyzeebe_app_over_the_wire(
    gateway: EmbeddedGateway, executors: Executors, pyzeebe_app: ZeebeTaskRouter
) -> None:
    charged = await work_once(
        gateway, pyzeebe_app, executors, "charge-card", {"order_id": "o-1", "amount": 5}
    )
    declined = await work_once(
        gateway, pyzeebe_app, executors, "charge-card", {"order_id": "o-2", "amount": 5000}
    )
    invalid = await work_once(gateway, pyzeebe_app, executors, "validate-order", {"order_id": "x"})

    assert charged.variables["receipt"] == "receipt-o-1"
    assert (declined.state, declined.error_code) == ("error_thrown", "CARD_DECLINED")
    assert (invalid.state, invalid.error_code) == ("error_thrown", "INVALID_ORDER")
