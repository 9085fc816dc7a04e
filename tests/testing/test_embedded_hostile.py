"""Hostile input gets a typed gRPC status with a clear message, and the gateway keeps serving."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import grpc
import pytest

from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router._proto.gateway_pb2_grpc import GatewayStub
from zeebe_router.testing._embedded import EmbeddedGateway

if TYPE_CHECKING:
    from zeebe_router._proto.gateway_pb2_grpc import GatewayAsyncStub

TEN_MB = json.dumps({"blob": "x" * (10 * 1024 * 1024)})


async def still_serving(gateway: EmbeddedGateway, stub: GatewayAsyncStub) -> None:
    key = gateway.create_job("hostile-canary")
    request = pb.ActivateJobsRequest(
        type="hostile-canary", worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=-1
    )
    jobs = [job async for response in stub.ActivateJobs(request) for job in response.jobs]
    assert [job.key for job in jobs] == [key]
    await stub.CompleteJob(pb.CompleteJobRequest(jobKey=key))


async def test_a_ten_megabyte_variables_document_is_refused(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("hostile-big")
    for call in (
        stub.CompleteJob(pb.CompleteJobRequest(jobKey=key, variables=TEN_MB)),
        stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="p", version=-1, variables=TEN_MB)
        ),
        stub.PublishMessage(pb.PublishMessageRequest(name="m", variables=TEN_MB)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await call
        assert info.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "larger than max" in (info.value.details() or "")
    assert gateway.job(key).state == "activatable"
    await still_serving(gateway, stub)


async def test_a_larger_limit_accepts_the_same_document() -> None:
    async with EmbeddedGateway(max_message_bytes=16 * 1024 * 1024) as gateway:
        channel = gateway.channel({"grpc.max_receive_message_length": 16 * 1024 * 1024})
        stub = GatewayStub(channel)
        key = gateway.create_job("hostile-big-ok")
        request = pb.ActivateJobsRequest(
            type="hostile-big-ok", worker="w", timeout=1000, maxJobsToActivate=1
        )
        [_ async for _ in stub.ActivateJobs(request)]
        await stub.CompleteJob(pb.CompleteJobRequest(jobKey=key, variables=TEN_MB))
        assert len(gateway.job(key).variables["blob"]) == 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("variables", "phrase"),
    [
        ('{"a": ' + "[" * 5000 + "]" * 5000 + "}", "is invalid"),
        ('{"a": ' + "[" * 400 + "]" * 400 + "}", "nested too deeply"),
        ('{"x": NaN}', "invalid"),
        ('{"x": 1e999}', "invalid"),
        ("\x00\xff garbage", "invalid JSON"),
        ('"just a string"', "JSON object"),
        ("null", "JSON object"),
    ],
)
async def test_malformed_variables_are_invalid_arguments(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub, variables: str, phrase: str
) -> None:
    key = gateway.create_job("hostile-json")
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub.CompleteJob(pb.CompleteJobRequest(jobKey=key, variables=variables))
    assert info.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert phrase in (info.value.details() or "")
    assert gateway.job(key).state == "activatable"
    await still_serving(gateway, stub)


@pytest.mark.parametrize("key", [0, -1, 2**63 - 1, -(2**63)])
async def test_odd_keys_are_not_found(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub, key: int
) -> None:
    for call in (
        stub.CompleteJob(pb.CompleteJobRequest(jobKey=key)),
        stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=key)),
        stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=key)),
        stub.SetVariables(pb.SetVariablesRequest(elementInstanceKey=key, variables="{}")),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await call
        assert info.value.code() is grpc.StatusCode.NOT_FOUND
        assert str(key) in (info.value.details() or "")
    await still_serving(gateway, stub)


async def test_huge_timeouts_and_back_offs_do_not_overflow(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    key = gateway.create_job("hostile-huge")
    request = pb.ActivateJobsRequest(
        type="hostile-huge", worker="w", timeout=2**63 - 1, maxJobsToActivate=1
    )
    [job] = [job async for response in stub.ActivateJobs(request) for job in response.jobs]
    assert job.deadline == 2**63 - 1
    await stub.UpdateJobTimeout(pb.UpdateJobTimeoutRequest(jobKey=key, timeout=2**63 - 1))
    await stub.FailJob(pb.FailJobRequest(jobKey=key, retries=1, retryBackOff=2**63 - 1))
    assert gateway.job(key).state == "retry_backoff"
    await still_serving(gateway, stub)
