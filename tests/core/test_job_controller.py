"""A JobController sends exactly one answer per activation, whatever is attempted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import FrozenInstanceError
from typing import Any

import pytest

from zeebe_router import Job, JobController, JobResult, JobStatus, _json
from zeebe_router.errors import JobAlreadyAnsweredError, VariablesNotSerializableError


class Recorder:
    """An OutcomeSink that encodes like the gateway adapter and records what was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[Any, ...]] = []

    async def complete_job(
        self,
        job_key: int,
        variables: Mapping[str, Any] | None = None,
        result: JobResult | None = None,
    ) -> None:
        self.sent.append(("complete", job_key, _json.dumps(variables), result))

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        message: str,
        retry_backoff_ms: int = 0,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.sent.append(
            ("fail", job_key, retries, message, retry_backoff_ms, _json.dumps(variables))
        )

    async def throw_error(
        self,
        job_key: int,
        code: str,
        message: str = "",
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.sent.append(("throw_error", job_key, code, message, _json.dumps(variables)))

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        self.sent.append(("timeout", job_key, timeout_ms))

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        self.sent.append(("retries", job_key, retries))


def _job(retries: int = 3) -> Job:
    return Job(key=7, type="charge-card", retries=retries, variables={"amount": 5})


async def test_complete_then_anything_else_is_refused_locally() -> None:
    sink = Recorder()
    job = _job()
    controller = JobController(job, sink)
    await controller.complete({"receipt": "r-1"})
    for attempt in (
        controller.complete(),
        controller.fail("again"),
        controller.throw_error("CODE"),
        controller.hand_back(),
    ):
        with pytest.raises(JobAlreadyAnsweredError, match="already answered"):
            await attempt
    assert sink.sent == [("complete", 7, '{"receipt":"r-1"}', None)]
    assert job.status is JobStatus.Completed
    assert controller.answer == "complete"


async def test_fail_defaults_to_one_retry_less() -> None:
    sink = Recorder()
    await JobController(_job(retries=3), sink).fail("boom")
    assert sink.sent == [("fail", 7, 2, "boom", 0, "")]


async def test_fail_with_explicit_retries_and_backoff() -> None:
    sink = Recorder()
    await JobController(_job(), sink).fail("later", retries=9, retry_backoff_ms=1500)
    assert sink.sent == [("fail", 7, 9, "later", 1500, "")]


async def test_hand_back_keeps_retries_and_has_no_backoff() -> None:
    sink = Recorder()
    job = _job(retries=4)
    await JobController(job, sink).hand_back()
    assert sink.sent == [("fail", 7, 4, "worker shutting down", 0, "")]
    assert job.status is JobStatus.HandedBack


async def test_unserializable_variables_leave_the_job_unanswered() -> None:
    sink = Recorder()
    controller = JobController(_job(), sink)
    with pytest.raises(VariablesNotSerializableError, match="'bad'"):
        await controller.complete({"bad": object()})
    assert not controller.answered
    await controller.fail("could not serialise")
    assert [s[0] for s in sink.sent] == ["fail"]


async def test_pyzeebe_status_methods() -> None:
    sink = Recorder()
    job = _job(retries=2)
    controller = JobController(job, sink)
    await controller.set_running_after_decorators_status()
    after_handler = job.status
    await controller.set_error_status("declined", error_code="CARD_DECLINED")
    assert sink.sent == [("throw_error", 7, "CARD_DECLINED", "declined", "")]
    assert (after_handler, job.status) == (JobStatus.RunningAfterDecorators, JobStatus.ErrorThrown)


async def test_extend_timeout_and_update_retries_do_not_answer() -> None:
    sink = Recorder()
    controller = JobController(_job(), sink)
    await controller.extend_timeout(60_000)
    await controller.update_retries(5)
    await controller.set_failure_status("x", retry_back_off_ms=10)
    assert sink.sent == [("timeout", 7, 60_000), ("retries", 7, 5), ("fail", 7, 2, "x", 10, "")]


def test_job_is_immutable_and_replace_shares_status() -> None:
    job = _job()
    with pytest.raises(FrozenInstanceError):
        job.retries = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        job.variables["amount"] = 1  # type: ignore[index]
    enriched = job.replace(variables={**job.variables, "currency": "EUR"})
    assert dict(enriched.variables) == {"amount": 5, "currency": "EUR"}
    assert dict(job.variables) == {"amount": 5}
    job._set_status(JobStatus.Completed)
    assert enriched.status is JobStatus.Completed


def test_job_log_carries_the_job(caplog: pytest.LogCaptureFixture) -> None:
    job = Job(key=11, type="ship", process_instance_key=99, element_id="Ship")
    with caplog.at_level("INFO", logger="zeebe_router.job"):
        job.log.info("shipping")
    record = caplog.records[-1]
    assert record.job_key == 11  # type: ignore[attr-defined]
    assert record.process_instance_key == 99  # type: ignore[attr-defined]
    assert record.element_id == "Ship"  # type: ignore[attr-defined]
