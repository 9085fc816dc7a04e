"""10,000 jobs through several concurrent clients: none lost, none answered twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import TYPE_CHECKING

from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router._proto.gateway_pb2_grpc import GatewayStub
from zeebe_router.testing._embedded import EmbeddedGateway

if TYPE_CHECKING:
    from zeebe_router._proto.gateway_pb2_grpc import GatewayAsyncStub

JOBS = 10_000
JOB_TYPE = "load-mixed"


async def poll_and_complete(stub: GatewayAsyncStub, name: str, completed: Counter[int]) -> None:
    request = pb.ActivateJobsRequest(
        type=JOB_TYPE, worker=name, timeout=120_000, maxJobsToActivate=64, requestTimeout=1_000
    )
    while True:
        async for response in stub.ActivateJobs(request):
            completed.update(job.key for job in response.jobs)
            await asyncio.gather(
                *(stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key)) for job in response.jobs)
            )


async def stream_and_complete(stub: GatewayAsyncStub, name: str, completed: Counter[int]) -> None:
    call = stub.StreamActivatedJobs(
        pb.StreamActivatedJobsRequest(type=JOB_TYPE, worker=name, timeout=120_000)
    )
    pending: set[asyncio.Task[pb.CompleteJobResponse]] = set()
    try:
        async for job in call:
            task = asyncio.ensure_future(stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key)))
            pending.add(task)
            task.add_done_callback(pending.discard)
            completed[job.key] += 1
    finally:
        await asyncio.gather(*pending, return_exceptions=True)


async def test_ten_thousand_jobs_over_polls_and_streams_exactly_once(
    gateway: EmbeddedGateway,
) -> None:
    channels = [gateway.channel() for _ in range(4)]
    stubs = [GatewayStub(channel) for channel in channels]
    by_client: dict[str, Counter[int]] = {}
    workers: list[asyncio.Future[None]] = []
    for index, stub in enumerate(stubs):
        for kind, run in (("poll", poll_and_complete), ("stream", stream_and_complete)):
            name = f"{kind}-{index}"
            by_client[name] = Counter()
            workers.append(asyncio.ensure_future(run(stub, name, by_client[name])))
    await gateway.wait_for(lambda: len(gateway.streams(JOB_TYPE)) == 4)

    for start in range(0, JOBS, 50):
        for i in range(start, start + 50):
            gateway.create_job(JOB_TYPE, {"i": i})
        await asyncio.sleep(0)  # let the clients run between batches

    done = await gateway.wait_for_jobs(
        lambda job: job.type == JOB_TYPE and job.state == "completed", count=JOBS, timeout=40
    )
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)

    assert len(done) == JOBS
    jobs = gateway.jobs(type=JOB_TYPE)
    assert len(jobs) == JOBS
    assert all(job.state == "completed" for job in jobs)
    assert all(job.activations == 1 and job.answers == 1 for job in jobs)
    total: Counter[int] = Counter()
    for counter in by_client.values():
        total.update(counter)
    assert len(total) == JOBS
    assert max(total.values()) == 1
    assert all(by_client[name] for name in by_client if name.startswith("stream"))
    assert sum(len(c) for n, c in by_client.items() if n.startswith("poll")) > 0
    assert gateway.calls["CompleteJob"] == JOBS
    assert gateway.incidents() == []
    for channel in channels:
        await channel.close(None)
