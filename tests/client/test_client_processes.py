"""Process flows through ZeebeClient and SyncZeebeClient on the embedded gateway."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest

from zeebe_router import errors
from zeebe_router.client import SyncZeebeClient, ZeebeClient
from zeebe_router.gateway import ZeebeGateway
from zeebe_router.testing._embedded import EmbeddedGateway

from .conftest import activate_one

BPMN = Path(__file__).parent / "bpmn" / "client_flow.bpmn"


def process_xml(process_id: str, job_type: str) -> str:
    """The one-service-task process of ``BPMN`` with its own process id and job type."""
    return (
        BPMN.read_text()
        .replace('id="client-flow"', f'id="{process_id}"')
        .replace('type="client-flow-charge"', f'type="{job_type}"')
    )


async def deploy(client: ZeebeClient, process_id: str, job_type: str) -> None:
    await client.deploy_resource(
        resources={f"{process_id}.bpmn": process_xml(process_id, job_type)}
    )


async def test_deploy_a_file_then_run_it_to_its_result(
    gateway: EmbeddedGateway, client: ZeebeClient
) -> None:
    deployment = await client.deploy_resource(BPMN)
    [process] = deployment.processes
    assert process.bpmn_process_id == "client-flow"
    assert process.resource_name == "client_flow.bpmn"
    assert process.version == 1

    run = asyncio.create_task(
        client.run_process_with_result("client-flow", {"amount": 12}, timeout=10_000)
    )
    job = await activate_one(gateway, "client-flow-charge")
    assert job.variables == {"amount": 12}
    await ZeebeGateway(gateway.channel()).complete_job(job.key, {"receipt": "r-12"})
    result = await asyncio.wait_for(run, timeout=10)
    assert result.variables == {"amount": 12, "receipt": "r-12"}
    assert result.process_instance_key == job.process_instance_key
    assert result.process_definition_key == process.process_definition_key
    assert result.bpmn_process_id == "client-flow"


async def test_redeploying_a_changed_process_makes_a_new_version(client: ZeebeClient) -> None:
    first = await client.deploy_resource(
        resources={"v.bpmn": process_xml("client-versions", "client-versions-a")}
    )
    second = await client.deploy_resource(
        resources={"v.bpmn": process_xml("client-versions", "client-versions-b")}
    )
    assert (first.processes[0].version, second.processes[0].version) == (1, 2)
    started = await client.run_process("client-versions", version=1)
    assert started.version == 1
    latest = await client.run_process("client-versions")
    assert latest.version == 2


async def test_invalid_bpmn_is_rejected(client: ZeebeClient) -> None:
    with pytest.raises(errors.InvalidArgumentError):
        await client.deploy_resource(resources={"broken.bpmn": "<definitions"})


async def test_run_process_of_an_unknown_process(client: ZeebeClient) -> None:
    with pytest.raises(errors.ProcessDefinitionNotFoundError):
        await client.run_process("client-no-such-process")


async def test_cancel_ends_the_instance_and_its_job(
    gateway: EmbeddedGateway, client: ZeebeClient
) -> None:
    await deploy(client, "client-cancel", "client-cancel-task")
    started = await client.run_process("client-cancel")
    await gateway.wait_for_jobs(lambda j: j.type == "client-cancel-task")
    await client.cancel_process_instance(started.process_instance_key)
    [job] = gateway.jobs("client-cancel-task")
    assert job.state == "canceled"
    with pytest.raises(errors.ProcessInstanceNotFoundError):
        await client.cancel_process_instance(started.process_instance_key)


async def test_set_variables_reach_the_next_job(
    gateway: EmbeddedGateway, client: ZeebeClient
) -> None:
    await deploy(client, "client-vars", "client-vars-task")
    started = await client.run_process("client-vars", {"status": "new"})
    response = await client.set_variables(started.process_instance_key, {"status": "approved"})
    assert response.key > 0
    job = await activate_one(gateway, "client-vars-task")
    assert job.variables["status"] == "approved"


async def test_resolve_an_incident_and_finish_the_instance(
    gateway: EmbeddedGateway, client: ZeebeClient
) -> None:
    await deploy(client, "client-incident", "client-incident-task")
    run = asyncio.create_task(client.run_process_with_result("client-incident", timeout=10_000))
    job = await activate_one(gateway, "client-incident-task")
    adapter = ZeebeGateway(gateway.channel())
    await adapter.fail_job(job.key, retries=0, message="card declined")
    [incident] = gateway.incidents()
    assert incident.process_instance_key == job.process_instance_key
    await client.update_job_retries(job.key, 1)
    await client.resolve_incident(incident.key)
    retried = await activate_one(gateway, "client-incident-task")
    assert retried.key == job.key
    await adapter.complete_job(retried.key, {"paid": True})
    assert (await asyncio.wait_for(run, timeout=10)).variables == {"paid": True}


async def test_publish_message_and_broadcast_signal(client: ZeebeClient) -> None:
    message = await client.publish_message("client-paid", "order-1", {"amount": 3})
    again = await client.publish_message("client-paid", "order-2")
    assert message.key != again.key
    await client.publish_message("client-once", "k", message_id="m-1")
    with pytest.raises(errors.MessageAlreadyExistsError):
        await client.publish_message("client-once", "k", message_id="m-1")
    signal = await client.broadcast_signal("client-stop", {"why": "test"})
    assert signal.key > 0


async def test_sync_client_runs_a_process(gateway: EmbeddedGateway) -> None:
    address = gateway.address
    xml = process_xml("client-sync", "client-sync-task")

    def start() -> int:
        with SyncZeebeClient(lambda: grpc.aio.insecure_channel(address)) as zeebe:
            zeebe.deploy_resource(resources={"sync.bpmn": xml})
            started = zeebe.run_process("client-sync", {"n": 1})
            zeebe.set_variables(started.process_instance_key, {"n": 2})
            return started.process_instance_key

    key = await asyncio.to_thread(start)
    job = await activate_one(gateway, "client-sync-task")
    assert job.process_instance_key == key
    assert job.variables == {"n": 2}

    def cancel() -> None:
        with SyncZeebeClient(lambda: grpc.aio.insecure_channel(address)) as zeebe:
            zeebe.cancel_process_instance(key)

    await asyncio.to_thread(cancel)
    assert gateway.jobs("client-sync-task")[0].state == "canceled"
