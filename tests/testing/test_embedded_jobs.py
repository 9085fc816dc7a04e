"""Jobs through the embedded gateway, over the network, with the generated stub."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING

import grpc
import pytest

from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router._proto.gateway_pb2_grpc import GatewayStub
from zeebe_router.testing._embedded import EmbeddedGateway

if TYPE_CHECKING:
    from zeebe_router._proto.gateway_pb2_grpc import GatewayAsyncStub


async def activate(
    stub: GatewayAsyncStub,
    job_type: str,
    *,
    max_jobs: int = 10,
    timeout: int = 30_000,
    request_timeout: int = -1,
    fetch: tuple[str, ...] = (),
    worker: str = "tester",
) -> list[pb.ActivatedJob]:
    request = pb.ActivateJobsRequest(
        type=job_type,
        worker=worker,
        timeout=timeout,
        maxJobsToActivate=max_jobs,
        requestTimeout=request_timeout,
        fetchVariable=list(fetch),
    )
    return [job async for response in stub.ActivateJobs(request) for job in response.jobs]


async def rpc_error(awaitable: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await awaitable  # type: ignore[misc]
    return info.value


async def test_activated_job_carries_variables_headers_and_deadline(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job(
        "jobs-carry", {"order": 7, "items": ["a"]}, headers={"region": "eu"}, retries=5
    )
    before = gateway.clock.now_ms()
    [job] = await activate(stub, "jobs-carry", timeout=60_000, worker="w1")
    assert job.key == key
    assert json.loads(job.variables) == {"order": 7, "items": ["a"]}
    assert json.loads(job.customHeaders) == {"region": "eu"}
    assert (job.retries, job.worker, job.tenantId) == (5, "w1", "<default>")
    assert before + 60_000 <= job.deadline <= gateway.clock.now_ms() + 60_000
    snapshot = gateway.job(key)
    assert (snapshot.state, snapshot.worker, snapshot.activations) == ("activated", "w1", 1)


async def test_fetch_variables_and_max_jobs_in_creation_order(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    keys = [gateway.create_job("jobs-order", {"i": i, "other": "x"}) for i in range(5)]
    first = await activate(stub, "jobs-order", max_jobs=3, fetch=("i",))
    assert [job.key for job in first] == keys[:3]
    assert [json.loads(job.variables) for job in first] == [{"i": 0}, {"i": 1}, {"i": 2}]
    rest = await activate(stub, "jobs-order", max_jobs=10)
    assert [job.key for job in rest] == keys[3:]
    assert await activate(stub, "jobs-order") == []


async def test_jobs_of_another_type_or_tenant_are_not_activated(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    gateway.create_job("jobs-tenant", tenant_id="acme")
    assert await activate(stub, "jobs-tenant") == []
    request = pb.ActivateJobsRequest(
        type="jobs-tenant", worker="w", timeout=1000, maxJobsToActivate=1, tenantIds=["acme"]
    )
    [response] = [r async for r in stub.ActivateJobs(request)]
    assert response.jobs[0].tenantId == "acme"


async def test_long_poll_answers_as_soon_as_a_job_arrives(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    started = time.monotonic()
    poll = asyncio.ensure_future(activate(stub, "jobs-longpoll", request_timeout=20_000))
    await gateway.wait_for(lambda: gateway.calls["ActivateJobs"] == 1)
    key = gateway.create_job("jobs-longpoll")
    jobs = await poll
    assert [job.key for job in jobs] == [key]
    assert time.monotonic() - started < 5


async def test_long_poll_ends_empty_at_the_request_timeout(stub: GatewayAsyncStub) -> None:
    started = time.monotonic()
    assert await activate(stub, "jobs-empty", request_timeout=300) == []
    assert 0.25 <= time.monotonic() - started < 5


async def test_negative_request_timeout_answers_at_once(stub: GatewayAsyncStub) -> None:
    started = time.monotonic()
    assert await activate(stub, "jobs-nowait", request_timeout=-1) == []
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("changes", "phrase"),
    [
        ({"type": ""}, "type was blank"),
        ({"worker": ""}, "worker was blank"),
        ({"timeout": 0}, "timeout greater than 0"),
        ({"maxJobsToActivate": 0}, "maxJobsToActivate greater than 0"),
        ({"maxJobsToActivate": -5}, "maxJobsToActivate greater than 0"),
        ({"tenantIds": ["bad tenant!"]}, "tenant identifier"),
    ],
)
async def test_activate_jobs_rejects_invalid_requests(
    stub: GatewayAsyncStub, changes: dict[str, object], phrase: str
) -> None:
    fields: dict[str, object] = {
        "type": "jobs-invalid",
        "worker": "w",
        "timeout": 1000,
        "maxJobsToActivate": 1,
    }
    fields.update(changes)
    request = pb.ActivateJobsRequest(**fields)  # type: ignore[arg-type]
    error = await rpc_error(activate_all(stub, request))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert phrase in (error.details() or "")


async def activate_all(
    stub: GatewayAsyncStub, request: pb.ActivateJobsRequest
) -> list[pb.ActivateJobsResponse]:
    return [response async for response in stub.ActivateJobs(request)]


async def test_unanswered_job_is_activatable_again_after_its_deadline(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-deadline", retries=2)
    [job] = await activate(stub, "jobs-deadline", timeout=10_000)
    assert await activate(stub, "jobs-deadline") == []
    gateway.clock.advance(10_001)
    assert gateway.job(key).state == "activatable"
    [again] = await activate(stub, "jobs-deadline", worker="second")
    assert (again.key, again.retries, again.worker) == (job.key, 2, "second")
    assert gateway.job(key).activations == 2


async def test_deadline_passes_in_real_time_too(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-realtime")
    await activate(stub, "jobs-realtime", timeout=50)
    snapshot = await gateway.wait_for_job(key, "activatable", timeout=5)
    assert snapshot.activations == 1


async def test_complete_merges_variables_and_a_second_answer_is_not_found(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-complete", {"a": 1})
    await activate(stub, "jobs-complete", worker="finisher")
    await stub.CompleteJob(pb.CompleteJobRequest(jobKey=key, variables='{"b": 2}'))
    snapshot = gateway.job(key)
    assert (snapshot.state, snapshot.variables, snapshot.answers, snapshot.worker) == (
        "completed",
        {"a": 1, "b": 2},
        1,
        "finisher",
    )
    error = await rpc_error(stub.CompleteJob(pb.CompleteJobRequest(jobKey=key)))
    assert error.code() is grpc.StatusCode.NOT_FOUND
    assert str(key) in (error.details() or "")
    assert gateway.job(key).answers == 1


async def test_fail_with_retries_makes_the_job_activatable_again(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-fail", retries=3)
    await activate(stub, "jobs-fail")
    await stub.FailJob(pb.FailJobRequest(jobKey=key, retries=2, errorMessage="flaky"))
    assert (gateway.job(key).state, gateway.job(key).worker) == ("activatable", "")
    [again] = await activate(stub, "jobs-fail")
    assert (again.key, again.retries) == (key, 2)
    assert gateway.job(key).error_message == "flaky"


async def test_retry_back_off_hides_the_job_until_it_passes(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-backoff")
    await activate(stub, "jobs-backoff")
    await stub.FailJob(pb.FailJobRequest(jobKey=key, retries=2, retryBackOff=60_000))
    assert gateway.job(key).state == "retry_backoff"
    assert await activate(stub, "jobs-backoff") == []
    gateway.clock.advance(59_000)
    assert await activate(stub, "jobs-backoff") == []
    gateway.clock.advance(1_000)
    assert [job.key for job in await activate(stub, "jobs-backoff")] == [key]


async def test_a_job_waiting_in_a_long_poll_is_handed_over_when_its_back_off_ends(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-backoff-poll")
    await activate(stub, "jobs-backoff-poll")
    await stub.FailJob(pb.FailJobRequest(jobKey=key, retries=1, retryBackOff=30_000))
    poll = asyncio.ensure_future(activate(stub, "jobs-backoff-poll", request_timeout=20_000))
    await gateway.wait_for(lambda: gateway.calls["ActivateJobs"] == 2)
    gateway.clock.advance(30_000)
    assert [job.key for job in await poll] == [key]


async def test_out_of_retries_raises_an_incident_until_resolved(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-incident")
    await activate(stub, "jobs-incident")
    await stub.FailJob(pb.FailJobRequest(jobKey=key, retries=0, errorMessage="db down"))
    snapshot = gateway.job(key)
    assert snapshot.state == "failed"
    [incident] = gateway.incidents()
    assert (incident.type, incident.message, incident.job_key) == ("JOB_NO_RETRIES", "db down", key)
    assert snapshot.incident_key == incident.key

    error = await rpc_error(stub.CompleteJob(pb.CompleteJobRequest(jobKey=key)))
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "failed" in (error.details() or "")
    error = await rpc_error(stub.FailJob(pb.FailJobRequest(jobKey=key, retries=1)))
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert await activate(stub, "jobs-incident") == []

    await stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=key, retries=2))
    await stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=incident.key))
    assert gateway.incidents() == []
    [again] = await activate(stub, "jobs-incident")
    assert (again.key, again.retries) == (key, 2)


async def test_resolving_without_new_retries_raises_a_new_incident(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-reincident")
    await activate(stub, "jobs-reincident")
    await stub.FailJob(pb.FailJobRequest(jobKey=key, retries=0))
    [first] = gateway.incidents()
    await stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=first.key))
    [second] = gateway.incidents()
    assert second.key != first.key
    assert gateway.job(key).state == "failed"
    error = await rpc_error(stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=first.key)))
    assert error.code() is grpc.StatusCode.NOT_FOUND


async def test_fail_on_a_job_that_is_not_activated_is_a_failed_precondition(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-not-activated")
    error = await rpc_error(stub.FailJob(pb.FailJobRequest(jobKey=key, retries=1)))
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "not activated" in (error.details() or "")


async def test_thrown_error_without_a_process_raises_an_incident(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-throw")
    await activate(stub, "jobs-throw")
    await stub.ThrowError(
        pb.ThrowErrorRequest(jobKey=key, errorCode="NO_STOCK", errorMessage="sold out")
    )
    snapshot = gateway.job(key)
    assert (snapshot.state, snapshot.error_code, snapshot.error_message) == (
        "error_thrown",
        "NO_STOCK",
        "sold out",
    )
    [incident] = gateway.incidents()
    assert incident.type == "UNHANDLED_ERROR_EVENT"
    assert "NO_STOCK" in incident.message
    error = await rpc_error(stub.CompleteJob(pb.CompleteJobRequest(jobKey=key)))
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION


async def test_update_job_timeout_moves_the_deadline(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-extend")
    await activate(stub, "jobs-extend", timeout=1_000)
    await stub.UpdateJobTimeout(pb.UpdateJobTimeoutRequest(jobKey=key, timeout=60_000))
    gateway.clock.advance(30_000)
    assert gateway.job(key).state == "activated"
    gateway.clock.advance(30_001)
    assert gateway.job(key).state == "activatable"
    error = await rpc_error(
        stub.UpdateJobTimeout(pb.UpdateJobTimeoutRequest(jobKey=key, timeout=1000))
    )
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION


async def test_update_job_retries_rejects_retries_below_one(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-retries")
    for retries in (0, -3):
        error = await rpc_error(
            stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=key, retries=retries))
        )
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "retries" in (error.details() or "")
    await stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=key, retries=9))
    assert gateway.job(key).retries == 9


async def test_unknown_job_keys_are_not_found_everywhere(stub: GatewayAsyncStub) -> None:
    calls = [
        stub.CompleteJob(pb.CompleteJobRequest(jobKey=424242)),
        stub.FailJob(pb.FailJobRequest(jobKey=424242, retries=1)),
        stub.ThrowError(pb.ThrowErrorRequest(jobKey=424242, errorCode="E")),
        stub.UpdateJobTimeout(pb.UpdateJobTimeoutRequest(jobKey=424242, timeout=1)),
        stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=424242, retries=1)),
        stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=424242)),
    ]
    for call in calls:
        error = await rpc_error(call)
        assert error.code() is grpc.StatusCode.NOT_FOUND
        assert "424242" in (error.details() or "")


@pytest.mark.parametrize(
    ("variables", "phrase"),
    [("{not json", "invalid JSON"), ("[1, 2]", "expected a JSON object"), ("42", "JSON object")],
)
async def test_invalid_variables_are_invalid_arguments(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub, variables: str, phrase: str
) -> None:
    key = gateway.create_job("jobs-badjson")
    await activate(stub, "jobs-badjson")
    for call in (
        stub.CompleteJob(pb.CompleteJobRequest(jobKey=key, variables=variables)),
        stub.FailJob(pb.FailJobRequest(jobKey=key, retries=1, variables=variables)),
        stub.ThrowError(pb.ThrowErrorRequest(jobKey=key, errorCode="E", variables=variables)),
    ):
        error = await rpc_error(call)
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert phrase in (error.details() or "")
    assert gateway.job(key).state == "activated"


async def test_negative_numbers_are_rejected(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("jobs-negative")
    await activate(stub, "jobs-negative")
    error = await rpc_error(stub.FailJob(pb.FailJobRequest(jobKey=key, retries=1, retryBackOff=-1)))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "retryBackOff" in (error.details() or "")
    error = await rpc_error(
        stub.UpdateJobTimeout(pb.UpdateJobTimeoutRequest(jobKey=key, timeout=-1))
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    error = await rpc_error(stub.ThrowError(pb.ThrowErrorRequest(jobKey=key, errorCode="")))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert gateway.job(key).state == "activated"


async def test_wait_for_job_times_out_with_the_job_state(gateway: EmbeddedGateway) -> None:
    key = gateway.create_job("jobs-wait")
    with pytest.raises(TimeoutError, match="activatable"):
        await gateway.wait_for_job(key, "completed", timeout=0.05)


def test_create_job_rejects_bad_arguments() -> None:
    gateway = EmbeddedGateway()
    with pytest.raises(ValueError, match="type"):
        gateway.create_job("")
    with pytest.raises(ValueError, match="retries"):
        gateway.create_job("jobs-bad", retries=0)


async def test_large_batches_are_split_into_responses_that_fit_a_message(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    blob = "x" * (1536 * 1024)
    keys = [gateway.create_job("jobs-large", {"blob": blob}) for _ in range(5)]
    request = pb.ActivateJobsRequest(
        type="jobs-large", worker="w", timeout=1000, maxJobsToActivate=5, requestTimeout=-1
    )
    responses = [response async for response in stub.ActivateJobs(request)]
    assert len(responses) >= 3
    assert all(response.ByteSize() < 4 * 1024 * 1024 for response in responses)
    assert [job.key for response in responses for job in response.jobs] == keys


async def test_answered_jobs_leave_no_timers_behind(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    keys = [gateway.create_job("jobs-timers") for _ in range(1500)]
    await activate(stub, "jobs-timers", max_jobs=1500, timeout=600_000)
    assert gateway.clock.pending == 1500
    for start in range(0, len(keys), 100):
        batch = keys[start : start + 100]
        await asyncio.gather(*(stub.CompleteJob(pb.CompleteJobRequest(jobKey=k)) for k in batch))
    assert gateway.clock.pending == 0


async def test_history_limit_forgets_the_oldest_finished_jobs() -> None:
    async with EmbeddedGateway(history_limit=10) as gateway:
        stub = GatewayStub(gateway.channel())
        keys = [gateway.create_job("jobs-history") for _ in range(30)]
        await activate(stub, "jobs-history", max_jobs=30)
        for key in keys[:25]:
            await stub.CompleteJob(pb.CompleteJobRequest(jobKey=key))
        remaining = [job.key for job in gateway.jobs(type="jobs-history")]
        assert remaining == keys[15:]
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.CompleteJob(pb.CompleteJobRequest(jobKey=keys[0]))
        assert info.value.code() is grpc.StatusCode.NOT_FOUND
