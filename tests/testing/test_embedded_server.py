"""The embedded gateway as a server: topology, fault injection, call counters, restarts."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import grpc
import pytest

from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router._proto.gateway_pb2_grpc import GatewayStub
from zeebe_router.testing._embedded import EmbeddedGateway

if TYPE_CHECKING:
    from zeebe_router._proto.gateway_pb2_grpc import GatewayAsyncStub


async def test_topology_is_one_healthy_leader(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    topology = await stub.Topology(pb.TopologyRequest())
    assert (topology.clusterSize, topology.partitionsCount, topology.replicationFactor) == (
        1,
        1,
        1,
    )
    assert topology.gatewayVersion.endswith("-embedded")
    [broker] = topology.brokers
    assert f"{broker.host}:{broker.port}" == gateway.address
    [partition] = broker.partitions
    assert (partition.partitionId, partition.role, partition.health) == (
        1,
        pb.Partition.LEADER,
        pb.Partition.HEALTHY,
    )


async def test_address_is_loopback_with_the_bound_port(gateway: EmbeddedGateway) -> None:
    assert gateway.address == f"127.0.0.1:{gateway.port}"
    assert gateway.port > 0


@pytest.mark.parametrize(
    ("rpc", "message"),
    [
        ("EvaluateDecision", pb.EvaluateDecisionRequest(decisionId="d")),
        ("ModifyProcessInstance", pb.ModifyProcessInstanceRequest(processInstanceKey=1)),
        ("MigrateProcessInstance", pb.MigrateProcessInstanceRequest(processInstanceKey=1)),
        ("DeleteResource", pb.DeleteResourceRequest(resourceKey=1)),
        ("EvaluateConditional", pb.EvaluateConditionalRequest()),
    ],
)
async def test_unsupported_rpcs_are_unimplemented_and_named(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub, rpc: str, message: object
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await getattr(stub, rpc)(message)
    assert info.value.code() is grpc.StatusCode.UNIMPLEMENTED
    assert rpc in (info.value.details() or "")
    assert gateway.calls[rpc] == 1
    await stub.Topology(pb.TopologyRequest())


async def test_injected_failures_hit_the_next_calls_only(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    gateway.faults.fail("Topology", grpc.StatusCode.RESOURCE_EXHAUSTED, times=2, details="busy")
    for _ in range(2):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.Topology(pb.TopologyRequest())
        assert info.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert info.value.details() == "busy"
    await stub.Topology(pb.TopologyRequest())
    assert gateway.calls["Topology"] == 3


async def test_an_injected_failure_leaves_the_job_untouched(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("server-fault")
    request = pb.ActivateJobsRequest(
        type="server-fault", worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=-1
    )
    [_] = [r async for r in stub.ActivateJobs(request)]
    gateway.faults.fail("CompleteJob", grpc.StatusCode.UNAVAILABLE)
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.CompleteJob(pb.CompleteJobRequest(jobKey=key))
    assert gateway.job(key).state == "activated"
    await stub.CompleteJob(pb.CompleteJobRequest(jobKey=key))
    assert gateway.job(key).state == "completed"


async def test_injected_latency_delays_the_call(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    gateway.faults.delay("Topology", 0.2)
    started = time.monotonic()
    await stub.Topology(pb.TopologyRequest())
    assert time.monotonic() - started >= 0.2
    gateway.faults.delay("Topology", 0)
    started = time.monotonic()
    await stub.Topology(pb.TopologyRequest())
    assert time.monotonic() - started < 0.2


def test_fault_injection_rejects_unknown_rpcs() -> None:
    gateway = EmbeddedGateway()
    with pytest.raises(ValueError, match="unknown rpc"):
        gateway.faults.fail("CompleteJobs", grpc.StatusCode.INTERNAL)
    with pytest.raises(ValueError, match="OK"):
        gateway.faults.fail("CompleteJob", grpc.StatusCode.OK)
    with pytest.raises(ValueError, match="negative"):
        gateway.faults.delay("CompleteJob", -1)


async def test_stop_then_restart_on_the_same_port() -> None:
    first = await EmbeddedGateway().start()
    port = first.port
    channel = grpc.aio.insecure_channel(first.address)
    stub = GatewayStub(channel)
    await stub.Topology(pb.TopologyRequest())
    await first.stop()
    await first.stop()  # idempotent
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub.Topology(pb.TopologyRequest(), timeout=1)
    assert info.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
    async with EmbeddedGateway(port=port) as second:
        assert second.port == port
        topology = await stub.Topology(pb.TopologyRequest(), wait_for_ready=True, timeout=5)
        assert topology.brokers[0].port == port
    await channel.close(None)


def test_clock_only_moves_forward() -> None:
    gateway = EmbeddedGateway()
    before = gateway.clock.now_ms()
    gateway.clock.advance(60_000)
    assert gateway.clock.now_ms() >= before + 60_000
    with pytest.raises(ValueError, match="forward"):
        gateway.clock.advance(-1)


async def test_stop_ends_streams_and_long_polls_cleanly(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    stream = stub.StreamActivatedJobs(
        pb.StreamActivatedJobsRequest(type="server-stop", worker="w", timeout=1000)
    )
    poll = stub.ActivateJobs(
        pb.ActivateJobsRequest(
            type="server-stop", worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=60_000
        )
    )
    await gateway.wait_for(lambda: gateway.calls["ActivateJobs"] == 1 and bool(gateway.streams()))
    started = time.monotonic()
    await gateway.stop()
    assert time.monotonic() - started < 1
    assert [r async for r in poll] == []
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stream.read()
    assert info.value.code() is grpc.StatusCode.UNAVAILABLE
    assert "shutting down" in (info.value.details() or "")


async def test_calls_that_arrive_while_the_gateway_stops_end_cleanly(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    # Counted, but still waiting out their latency when the gateway begins to stop.
    gateway.faults.delay("ActivateJobs", 0.2)
    gateway.faults.delay("StreamActivatedJobs", 0.2)
    stream = stub.StreamActivatedJobs(
        pb.StreamActivatedJobsRequest(type="server-late", worker="w", timeout=1000)
    )
    poll = stub.ActivateJobs(
        pb.ActivateJobsRequest(
            type="server-late", worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=60_000
        )
    )
    await gateway.wait_for(
        lambda: gateway.calls["ActivateJobs"] == 1 and gateway.calls["StreamActivatedJobs"] == 1
    )
    await gateway.stop()
    assert [r async for r in poll] == []
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stream.read()
    assert info.value.code() is grpc.StatusCode.UNAVAILABLE


async def test_a_port_in_use_is_an_error(gateway: EmbeddedGateway) -> None:
    with pytest.raises(RuntimeError, match=str(gateway.port)):
        await EmbeddedGateway(port=gateway.port).start()
