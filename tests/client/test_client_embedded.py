"""ZeebeClient and SyncZeebeClient against the embedded gateway."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from zeebe_router import errors
from zeebe_router.client import SyncZeebeClient, ZeebeClient
from zeebe_router.gateway import ZeebeGateway
from zeebe_router.responses import ServingStatus
from zeebe_router.testing._embedded import EmbeddedGateway

from .conftest import activate_one


async def test_topology_and_healthcheck(gateway: EmbeddedGateway, client: ZeebeClient) -> None:
    topology = await client.topology()
    assert topology.cluster_size == 1
    assert topology.brokers[0].partitions[0].health == "HEALTHY"
    health = await client.healthcheck()
    assert health.status is ServingStatus.SERVING


async def test_update_job_timeout_moves_the_deadline(
    gateway: EmbeddedGateway, client: ZeebeClient
) -> None:
    key = gateway.create_job("client-embedded-timeout")
    job = await activate_one(gateway, "client-embedded-timeout")
    await client.update_job_timeout(job.key, 600_000)
    assert gateway.job(key).deadline > job.deadline


async def test_update_job_timeout_of_an_unknown_job(client: ZeebeClient) -> None:
    with pytest.raises(errors.JobNotFoundError):
        await client.update_job_timeout(123456789, 1000)


async def test_resolve_incident_after_giving_the_job_retries(
    gateway: EmbeddedGateway, client: ZeebeClient
) -> None:
    key = gateway.create_job("client-embedded-incident", retries=1)
    job = await activate_one(gateway, "client-embedded-incident")
    await ZeebeGateway(gateway.channel()).fail_job(job.key, retries=0, message="card declined")
    [incident] = gateway.incidents()
    assert incident.job_key == key
    await client.update_job_retries(key, 2)
    await client.resolve_incident(incident.key)
    assert gateway.incidents() == []
    assert gateway.job(key).retries == 2
    assert gateway.job(key).state == "activatable"


async def test_update_job_retries_must_be_positive(
    gateway: EmbeddedGateway, client: ZeebeClient
) -> None:
    key = gateway.create_job("client-embedded-retries")
    with pytest.raises(errors.InvalidArgumentError):
        await client.update_job_retries(key, 0)


async def test_unimplemented_rpcs_raise_unimplemented_error(client: ZeebeClient) -> None:
    with pytest.raises(errors.UnimplementedError, match="EvaluateDecision"):
        await client.evaluate_decision(None, "risk", {"amount": 1})


async def test_sync_client_against_the_embedded_gateway(gateway: EmbeddedGateway) -> None:
    key = gateway.create_job("client-embedded-sync", retries=1)
    job = await activate_one(gateway, "client-embedded-sync")
    await ZeebeGateway(gateway.channel()).fail_job(job.key, retries=0, message="boom")
    [incident] = gateway.incidents()
    address = gateway.address

    def use() -> ServingStatus:
        with SyncZeebeClient(lambda: grpc.aio.insecure_channel(address)) as zeebe:
            zeebe.update_job_retries(key, 3)
            zeebe.resolve_incident(incident.key)
            return zeebe.healthcheck().status

    assert await asyncio.to_thread(use) is ServingStatus.SERVING
    assert gateway.job(key).retries == 3
    assert gateway.incidents() == []


async def test_without_a_channel_the_environment_names_the_gateway(
    gateway: EmbeddedGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZEEBE_ADDRESS", gateway.address)
    monkeypatch.setenv("ZEEBE_INSECURE_CONNECTION", "true")
    async with ZeebeClient() as zeebe:
        assert (await zeebe.topology()).cluster_id == "embedded"

    def use() -> str:
        with SyncZeebeClient() as sync_zeebe:
            return sync_zeebe.topology().cluster_id

    assert await asyncio.to_thread(use) == "embedded"
