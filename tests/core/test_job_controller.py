"""A JobController sends exactly one answer per activation, whatever is attempted."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from zeebe_router import Job, JobController, JobStatus
from zeebe_router.errors import JobAlreadyAnsweredError, VariablesNotSerializableError
from zeebe_router.testing import RecordingSink, SinkCall


def _job(retries: int = 3) -> Job:
    return Job(key=7, type="charge-card", retries=retries, variables={"amount": 5})


async def test_complete_then_anything_else_is_refused_locally() -> None:
    sink = RecordingSink()
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
    assert sink.calls == [SinkCall("complete", 7, {"receipt": "r-1"})]
    assert job.status is JobStatus.Completed
    assert controller.answer == "complete"


async def test_fail_defaults_to_one_retry_less() -> None:
    sink = RecordingSink()
    await JobController(_job(retries=3), sink).fail("boom")
    assert sink.calls == [SinkCall("fail", 7, retries=2, message="boom")]


async def test_fail_with_explicit_retries_and_backoff() -> None:
    sink = RecordingSink()
    await JobController(_job(), sink).fail("later", retries=9, retry_backoff_ms=1500)
    assert sink.calls == [SinkCall("fail", 7, retries=9, retry_backoff_ms=1500, message="later")]


async def test_hand_back_keeps_retries_and_has_no_backoff() -> None:
    sink = RecordingSink()
    job = _job(retries=4)
    await JobController(job, sink).hand_back()
    assert sink.calls == [SinkCall("fail", 7, retries=4, message="worker shutting down")]
    assert job.status is JobStatus.HandedBack


async def test_unserializable_variables_leave_the_job_unanswered() -> None:
    sink = RecordingSink()
    controller = JobController(_job(), sink)
    with pytest.raises(VariablesNotSerializableError, match="'bad'"):
        await controller.complete({"bad": object()})
    assert not controller.answered
    await controller.fail("could not serialise")
    assert [call.rpc for call in sink.calls] == ["fail"]


async def test_pyzeebe_status_methods() -> None:
    sink = RecordingSink()
    job = _job(retries=2)
    controller = JobController(job, sink)
    await controller.set_running_after_decorators_status()
    after_handler = job.status
    await controller.set_error_status("declined", error_code="CARD_DECLINED")
    assert sink.calls == [SinkCall("throw_error", 7, code="CARD_DECLINED", message="declined")]
    assert (after_handler, job.status) == (JobStatus.RunningAfterDecorators, JobStatus.ErrorThrown)


async def test_extend_timeout_and_update_retries_do_not_answer() -> None:
    sink = RecordingSink()
    controller = JobController(_job(), sink)
    await controller.extend_timeout(60_000)
    await controller.update_retries(5)
    await controller.set_failure_status("x", retry_back_off_ms=10)
    assert sink.calls == [
        SinkCall("update_timeout", 7, timeout_ms=60_000),
        SinkCall("update_retries", 7, retries=5),
        SinkCall("fail", 7, retries=2, retry_backoff_ms=10, message="x"),
    ]


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
