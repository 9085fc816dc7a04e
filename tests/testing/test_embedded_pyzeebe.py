"""pyzeebe 4.7, a client written elsewhere, deploys, runs and works jobs on the gateway."""

# No `from __future__ import annotations`: pyzeebe 4.7 injects `job: Job` only when the
# annotation is the class itself, not a string.
import asyncio
from pathlib import Path
from typing import Any

import pytest
from pyzeebe import Job, ZeebeClient, ZeebeWorker, create_insecure_channel
from pyzeebe.errors import BusinessError
from pyzeebe.grpc_internals.types import DeployResourceResponse

from zeebe_router.testing._embedded import EmbeddedGateway

CHECKOUT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="checkout-defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="pz-checkout" name="Checkout" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="toPrice" sourceRef="start" targetRef="Price"/>
    <bpmn:serviceTask id="Price" name="Price order">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="pz-price"/>
        <zeebe:taskHeaders><zeebe:header key="discountPercent" value="10"/></zeebe:taskHeaders>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="toDecide" sourceRef="Price" targetRef="NeedsPayment"/>
    <bpmn:exclusiveGateway id="NeedsPayment" default="toFree"/>
    <bpmn:sequenceFlow id="toCharge" sourceRef="NeedsPayment" targetRef="Charge">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
        =total &gt; 100
      </bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toFree" sourceRef="NeedsPayment" targetRef="Free"/>
    <bpmn:endEvent id="Free"/>
    <bpmn:serviceTask id="Charge" name="Charge card">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="pz-charge" retries="1"/>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:boundaryEvent id="Declined" attachedToRef="Charge">
      <bpmn:errorEventDefinition errorRef="err-declined"/>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="toCharged" sourceRef="Charge" targetRef="Charged"/>
    <bpmn:sequenceFlow id="toRejected" sourceRef="Declined" targetRef="Rejected"/>
    <bpmn:endEvent id="Charged"/>
    <bpmn:endEvent id="Rejected"/>
  </bpmn:process>
  <bpmn:error id="err-declined" name="Declined" errorCode="DECLINED"/>
</bpmn:definitions>
"""


@pytest.mark.parametrize("stream_enabled", [False, True], ids=["polling", "streaming"])
async def test_pyzeebe_client_and_worker_run_processes(
    gateway: EmbeddedGateway, tmp_path: Path, stream_enabled: bool
) -> None:
    resource = tmp_path / "checkout.bpmn"
    resource.write_text(CHECKOUT)
    channel = create_insecure_channel(grpc_address=gateway.address)
    client = ZeebeClient(channel)
    worker = ZeebeWorker(
        channel, name="pyzeebe-worker", poll_retry_delay=1, stream_enabled=stream_enabled
    )

    # pyzeebe's overloads do not accept a typed handler under mypy --strict.
    @worker.task(task_type="pz-price")  # type: ignore[arg-type]
    async def price(amount: float, job: Job) -> dict[str, Any]:
        discount = int(job.custom_headers["discountPercent"])
        return {"total": amount * (100 - discount) / 100}

    @worker.task(task_type="pz-charge")  # type: ignore[arg-type]
    async def charge(total: float) -> dict[str, Any]:
        if total > 1000:
            raise BusinessError("DECLINED")
        return {"receipt": f"paid {total:.2f}"}

    deployment = await client.deploy_resource(str(resource))
    [metadata] = deployment.deployments
    assert isinstance(metadata, DeployResourceResponse.ProcessMetadata)
    assert metadata.bpmn_process_id == "pz-checkout"
    working = asyncio.ensure_future(worker.work())
    try:
        charged = await client.run_process_with_result(
            "pz-checkout", {"amount": 200}, timeout=10_000, variables_to_fetch=["receipt"]
        )
        assert charged.variables == {"receipt": "paid 180.00"}
        free = await client.run_process_with_result("pz-checkout", {"amount": 50}, timeout=10_000)
        assert free.variables == {"amount": 50, "total": 45.0}
        declined = await client.run_process_with_result(
            "pz-checkout", {"amount": 5000}, timeout=10_000
        )
    finally:
        await worker.stop()
        await asyncio.wait_for(working, 10)
        await channel.close(None)

    assert gateway.instance(charged.process_instance_key).visited[-1] == "Charged"
    assert gateway.instance(free.process_instance_key).visited[-1] == "Free"
    assert gateway.instance(declined.process_instance_key).visited[-2:] == (
        "Declined",
        "Rejected",
    )
    assert gateway.incidents() == []
    assert {job.state for job in gateway.jobs(type="pz-charge")} == {"completed", "error_thrown"}
    assert (gateway.calls["StreamActivatedJobs"] > 0) is stream_enabled
