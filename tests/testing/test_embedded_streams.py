"""StreamActivatedJobs through the embedded gateway: push, round-robin, back-pressure."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import grpc
import pytest

from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router.testing._clock import Clock
from zeebe_router.testing._embedded import EmbeddedGateway
from zeebe_router.testing._engine.jobs import Activation, JobBoard, JobQuery, JobRecord, JobStream

if TYPE_CHECKING:
    from zeebe_router._proto.gateway_pb2_grpc import GatewayAsyncStub


def open_stream(
    stub: GatewayAsyncStub, job_type: str, worker: str = "streamer"
) -> grpc.aio.UnaryStreamCall[pb.StreamActivatedJobsRequest, pb.ActivatedJob]:
    return stub.StreamActivatedJobs(
        pb.StreamActivatedJobsRequest(type=job_type, worker=worker, timeout=30_000)
    )


async def streams_ready(gateway: EmbeddedGateway, job_type: str, count: int) -> None:
    await gateway.wait_for(
        lambda: sum(s.ready for s in gateway.streams(job_type)) == count,
        what=f"{count} ready stream(s) of {job_type}",
    )


async def test_new_jobs_are_pushed_to_an_open_stream(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    call = open_stream(stub, "stream-push")
    await streams_ready(gateway, "stream-push", 1)
    key = gateway.create_job("stream-push", {"x": 1})
    job = await call.read()
    assert isinstance(job, pb.ActivatedJob)
    assert (job.key, job.variables, job.worker) == (key, '{"x":1}', "streamer")
    assert gateway.job(key).state == "activated"
    call.cancel()


async def test_streams_of_a_type_take_turns(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    calls = {"a": open_stream(stub, "stream-rr", "a"), "b": open_stream(stub, "stream-rr", "b")}
    await streams_ready(gateway, "stream-rr", 2)
    reads = {name: asyncio.ensure_future(call.read()) for name, call in calls.items()}
    order: list[str] = []
    for _ in range(6):
        key = gateway.create_job("stream-rr")
        done, _ = await asyncio.wait(reads.values(), return_when=asyncio.FIRST_COMPLETED)
        [name] = [name for name, read in reads.items() if read in done]
        job = reads[name].result()
        assert isinstance(job, pb.ActivatedJob)
        assert (job.key, job.worker) == (key, name)
        order.append(name)
        reads[name] = asyncio.ensure_future(calls[name].read())
        await streams_ready(gateway, "stream-rr", 2)
    assert order[0::2] == [order[0]] * 3
    assert order[1::2] == [order[1]] * 3
    assert order[0] != order[1]
    for call in calls.values():
        call.cancel()
    await asyncio.gather(*reads.values(), return_exceptions=True)


async def test_backlog_is_left_to_polling_and_timed_out_jobs_are_pushed(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    old = gateway.create_job("stream-backlog")
    call = open_stream(stub, "stream-backlog")
    await streams_ready(gateway, "stream-backlog", 1)
    assert gateway.job(old).state == "activatable"
    request = pb.ActivateJobsRequest(
        type="stream-backlog", worker="poller", timeout=5_000, maxJobsToActivate=5
    )
    [response] = [r async for r in stub.ActivateJobs(request)]
    assert [job.key for job in response.jobs] == [old]
    gateway.clock.advance(5_001)
    job = await call.read()
    assert isinstance(job, pb.ActivatedJob)
    assert (job.key, job.worker) == (old, "streamer")
    call.cancel()


async def test_cancelled_stream_ends_cleanly_and_gets_no_more_jobs(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    call = open_stream(stub, "stream-cancel")
    await streams_ready(gateway, "stream-cancel", 1)
    call.cancel()
    await gateway.wait_for(lambda: gateway.streams("stream-cancel") == [])
    key = gateway.create_job("stream-cancel")
    assert gateway.job(key).state == "activatable"


async def test_stream_request_is_validated(stub: GatewayAsyncStub) -> None:
    for request in (
        pb.StreamActivatedJobsRequest(type="", worker="w", timeout=1000),
        pb.StreamActivatedJobsRequest(type="stream-bad", worker="w", timeout=0),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.StreamActivatedJobs(request).read()
        assert info.value.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_dropped_streams_end_with_the_chosen_status(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    call = open_stream(stub, "stream-drop")
    await streams_ready(gateway, "stream-drop", 1)
    assert gateway.faults.drop_streams() == 1
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call.read()
    assert info.value.code() is grpc.StatusCode.UNAVAILABLE
    assert gateway.streams() == []
    key = gateway.create_job("stream-drop")
    assert gateway.job(key).state == "activatable"


def _query(job_type: str, worker: str) -> JobQuery:
    return JobQuery(job_type, worker, 1000, (), ("<default>",))


def _board() -> tuple[JobBoard, list[JobRecord]]:
    board = JobBoard(Clock(), lambda job: job.variables, lambda job: None, lambda: None)
    jobs = [JobRecord(i, "busy", "<default>", 3, {}, {}, None) for i in range(1, 4)]
    return board, jobs


async def test_a_stream_still_writing_gets_no_new_job() -> None:
    board, (first, second, third) = _board()
    slow: list[Activation] = []
    fast: list[Activation] = []
    slow_stream = JobStream(_query("busy", "slow"), slow.append)
    fast_stream = JobStream(_query("busy", "fast"), fast.append)
    board.add_stream(slow_stream)
    board.add_stream(fast_stream)
    board.add(first)  # to the slow stream, which is now writing
    board.add(second)  # the slow stream is busy: to the fast one
    board.add(third)  # both busy: stays in the backlog for polling
    assert [a.job.key for a in slow] == [1]
    assert [a.job.key for a in fast] == [2]
    assert third.state.value == "activatable"
    board.stream_ready(fast_stream)
    assert [a.job.key for a in board.activate_backlog(_query("busy", "p"), 5)] == [3]
    await asyncio.sleep(0)
