import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import pytest

from zeebe_router.controller import JobController
from zeebe_router.errors import (
    BackPressureError,
    GatewayUnavailableError,
    InvalidArgumentError,
    JobNotActivatedError,
    JobNotFoundError,
    ZeebeGatewayError,
)
from zeebe_router.job import Job, JobResult, JobStatus
from zeebe_router.observability import Outcome
from zeebe_router.worker import ExponentialBackoff, RetryingOutcomeSink


class FakeGateway:
    """Answers job rpcs, failing the next calls with the queued errors."""

    def __init__(self, *errors: ZeebeGatewayError) -> None:
        self.errors = list(errors)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    async def _call(self, rpc: str, *args: Any) -> None:
        self.calls.append((rpc, args))
        if self.errors:
            raise self.errors.pop(0)

    async def complete_job(
        self,
        job_key: int,
        variables: Mapping[str, Any] | None = None,
        result: JobResult | None = None,
    ) -> None:
        await self._call("CompleteJob", job_key, variables)

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        message: str,
        retry_backoff_ms: int = 0,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        await self._call("FailJob", job_key, retries, message, retry_backoff_ms)

    async def throw_error(
        self, job_key: int, code: str, message: str = "", variables: Mapping[str, Any] | None = None
    ) -> None:
        await self._call("ThrowError", job_key, code, message)

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        await self._call("UpdateJobTimeout", job_key, timeout_ms)

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        await self._call("UpdateJobRetries", job_key, retries)


class Recorder:
    def __init__(self) -> None:
        self.answers: list[tuple[str, Outcome]] = []

    def job_activated(self, task_type: str, count: int = 1) -> None: ...
    def handler_duration(self, task_type: str, seconds: float) -> None: ...
    def slots(self, task_type: str, in_flight: int, free: int) -> None: ...
    def activation_error(self, task_type: str, status: str) -> None: ...
    def stream_reconnect(self, task_type: str) -> None: ...

    def job_answered(self, task_type: str, outcome: Outcome) -> None:
        self.answers.append((task_type, outcome))


def fast() -> ExponentialBackoff:
    return ExponentialBackoff(initial=0.001, maximum=0.01)


def unavailable() -> GatewayUnavailableError:
    return GatewayUnavailableError("down", rpc="CompleteJob", status="UNAVAILABLE")


async def test_transient_errors_are_retried_until_the_answer_arrives() -> None:
    gateway = FakeGateway(unavailable(), BackPressureError("busy", status="RESOURCE_EXHAUSTED"))
    metrics = Recorder()
    sink = RetryingOutcomeSink(gateway, "pay", 10_000, metrics=metrics, backoff=fast)
    controller = JobController(Job(key=1, type="pay", retries=3), sink)
    await controller.complete({"ok": True})
    assert [rpc for rpc, _ in gateway.calls] == ["CompleteJob"] * 3
    assert controller.job.status is JobStatus.Completed
    assert metrics.answers == [("pay", "complete")]


@pytest.mark.parametrize(
    "error",
    [
        JobNotFoundError("gone", status="NOT_FOUND"),
        JobNotActivatedError("failed", status="FAILED_PRECONDITION"),
    ],
)
async def test_a_job_that_is_no_longer_ours_is_counted_lost_and_not_raised(
    error: ZeebeGatewayError, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Recorder()
    sink = RetryingOutcomeSink(FakeGateway(error), "pay", 10_000, metrics=metrics, backoff=fast)
    controller = JobController(Job(key=2, type="pay", retries=3), sink)
    with caplog.at_level(logging.INFO, logger="zeebe_router.worker"):
        await controller.fail("boom")
    assert metrics.answers == [("pay", "lost")]
    assert "no longer this worker's" in caplog.text


async def test_retries_stop_at_the_jobs_deadline() -> None:
    gateway = FakeGateway(*(unavailable() for _ in range(1000)))
    metrics = Recorder()
    sink = RetryingOutcomeSink(gateway, "pay", 50, metrics=metrics, backoff=fast)
    sink.track(3)
    started = asyncio.get_running_loop().time()
    await sink.throw_error(3, "CODE")
    assert asyncio.get_running_loop().time() - started < 0.5
    assert 1 < len(gateway.calls) < 1000
    assert metrics.answers == [("pay", "lost")]


async def test_errors_retrying_cannot_fix_are_raised() -> None:
    sink = RetryingOutcomeSink(
        FakeGateway(InvalidArgumentError("bad")), "pay", 10_000, backoff=fast
    )
    with pytest.raises(InvalidArgumentError):
        await sink.complete_job(4, {"x": 1})


async def test_hand_back_keeps_the_retries_and_counts_as_handed_back() -> None:
    gateway = FakeGateway()
    metrics = Recorder()
    sink = RetryingOutcomeSink(gateway, "pay", 10_000, metrics=metrics, backoff=fast)
    controller = JobController(Job(key=5, type="pay", retries=3), sink)
    assert await sink.hand_back(controller)
    assert gateway.calls == [("FailJob", (5, 3, "worker shutting down", 0))]
    assert metrics.answers == [("pay", "handed_back")]


async def test_extending_the_timeout_moves_the_retry_deadline() -> None:
    sink = RetryingOutcomeSink(FakeGateway(), "pay", 1_000, backoff=fast)
    sink.track(6)
    before = sink.deadline(6)
    await sink.update_job_timeout(6, 60_000)
    assert sink.deadline(6) > before + 50


async def test_update_timeout_of_a_vanished_job_raises() -> None:
    sink = RetryingOutcomeSink(FakeGateway(JobNotFoundError("gone")), "pay", 1_000, backoff=fast)
    with pytest.raises(JobNotFoundError):
        await sink.update_job_timeout(7, 1_000)


async def test_the_listener_hears_each_answer_leave_and_one_that_raises() -> None:
    heard: list[tuple[int, bool]] = []
    gateway = FakeGateway(unavailable())
    sink = RetryingOutcomeSink(gateway, "pay", 10_000, backoff=fast)
    sink.listen(lambda key, leaving: heard.append((key, leaving)))
    await sink.complete_job(6, {"x": 1})  # delivered on the second attempt
    assert heard == [(6, True)]
    gateway.errors.append(InvalidArgumentError("bad"))
    with pytest.raises(InvalidArgumentError):
        await sink.fail_job(7, 2, "boom")
    assert heard == [(6, True), (7, True), (7, False)]
