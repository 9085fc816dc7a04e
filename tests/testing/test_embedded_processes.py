"""Processes through the embedded gateway: deploy, instances, BPMN elements, variables."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
import pytest

from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router.testing._embedded import EmbeddedGateway

if TYPE_CHECKING:
    from zeebe_router._proto.gateway_pb2_grpc import GatewayAsyncStub

ORDER_BPMN = Path(__file__).parent / "bpmn" / "order_process.bpmn"


def bpmn(process_id: str, body: str, errors: str = "") -> bytes:
    """A BPMN document with one executable process made of ``body``."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_id}" isExecutable="true">{body}</bpmn:process>{errors}
</bpmn:definitions>""".encode()


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def task(task_id: str, job_type: str, extra: str = "", retries: int = 3) -> str:
    return (
        f'<bpmn:serviceTask id="{task_id}"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}" retries="{retries}"/>{extra}'
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )


def one_task(process_id: str, job_type: str, extra: str = "") -> bytes:
    return bpmn(
        process_id,
        '<bpmn:startEvent id="start"/>'
        + task("work", job_type, extra)
        + '<bpmn:endEvent id="end"/>'
        + flow("f1", "start", "work")
        + flow("f2", "work", "end"),
    )


async def deploy(
    stub: GatewayAsyncStub, content: bytes, name: str = "process.bpmn"
) -> pb.DeployResourceResponse:
    return await stub.DeployResource(
        pb.DeployResourceRequest(resources=[pb.Resource(name=name, content=content)])
    )


async def start(
    stub: GatewayAsyncStub, process_id: str, variables: dict[str, object] | None = None
) -> int:
    response = await stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(
            bpmnProcessId=process_id, version=-1, variables=json.dumps(variables or {})
        )
    )
    return response.processInstanceKey


async def activate_one(stub: GatewayAsyncStub, job_type: str) -> pb.ActivatedJob:
    request = pb.ActivateJobsRequest(
        type=job_type, worker="w", timeout=30_000, maxJobsToActivate=1, requestTimeout=5_000
    )
    jobs = [job async for response in stub.ActivateJobs(request) for job in response.jobs]
    assert len(jobs) == 1, f"expected one {job_type} job, got {len(jobs)}"
    return jobs[0]


async def complete(stub: GatewayAsyncStub, key: int, variables: dict[str, object]) -> None:
    await stub.CompleteJob(pb.CompleteJobRequest(jobKey=key, variables=json.dumps(variables)))


async def rpc_error(awaitable: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await awaitable  # type: ignore[misc]
    return info.value


# -- deployment -------------------------------------------------------------------------------


async def test_deploy_returns_process_metadata_and_keeps_unchanged_versions(
    stub: GatewayAsyncStub,
) -> None:
    first = await deploy(stub, ORDER_BPMN.read_bytes(), "order_process.bpmn")
    [deployed] = first.deployments
    meta = deployed.process
    assert (meta.bpmnProcessId, meta.version, meta.resourceName, meta.tenantId) == (
        "order-fulfilment",
        1,
        "order_process.bpmn",
        "<default>",
    )
    again = await deploy(stub, ORDER_BPMN.read_bytes(), "order_process.bpmn")
    assert again.key != first.key
    assert again.deployments[0].process.version == 1
    assert again.deployments[0].process.processDefinitionKey == meta.processDefinitionKey
    changed = ORDER_BPMN.read_bytes().replace(b'retries="5"', b'retries="6"')
    third = await deploy(stub, changed, "order_process.bpmn")
    assert third.deployments[0].process.version == 2
    assert third.deployments[0].process.processDefinitionKey != meta.processDefinitionKey


async def test_deprecated_deploy_process_uses_the_same_engine(stub: GatewayAsyncStub) -> None:
    response = await stub.DeployProcess(
        pb.DeployProcessRequest(
            processes=[pb.ProcessRequestObject(name="a.bpmn", definition=one_task("dp", "dp-job"))]
        )
    )
    assert [p.bpmnProcessId for p in response.processes] == ["dp"]
    assert (await deploy(stub, one_task("dp", "dp-job"))).deployments[0].process.version == 1


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("decision.dmn", b"<definitions/>", "decision.dmn"),
        ("form.form", b"{}", "form.form"),
        ("notes.txt", b"hello", "notes.txt"),
        ("garbage.bpmn", bytes(range(256)) * 10, "garbage.bpmn"),
        (
            "bomb.bpmn",
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><bpmn:definitions>&lol2;</bpmn:definitions>',
            "bomb.bpmn",
        ),
        (
            "external.bpmn",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<x>&e;</x>",
            "external.bpmn",
        ),
        (
            "timer.bpmn",
            bpmn("timer", '<bpmn:startEvent id="s"/><bpmn:userTask id="UserTask_1"/>'),
            "UserTask_1",
        ),
    ],
)
async def test_hostile_or_unsupported_resources_are_invalid_arguments(
    stub: GatewayAsyncStub, name: str, content: bytes, phrase: str
) -> None:
    error = await rpc_error(deploy(stub, content, name))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert phrase in (error.details() or "")
    assert (await stub.Topology(pb.TopologyRequest())).clusterSize == 1


async def test_a_deployment_with_one_bad_resource_deploys_nothing(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    request = pb.DeployResourceRequest(
        resources=[
            pb.Resource(name="ok.bpmn", content=one_task("atomic", "atomic-job")),
            pb.Resource(name="bad.bpmn", content=b"not xml"),
        ]
    )
    await rpc_error(stub.DeployResource(request))
    assert gateway.processes() == []
    error = await rpc_error(stub.DeployResource(pb.DeployResourceRequest()))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT


# -- creating and cancelling instances ---------------------------------------------------------


async def test_create_instance_by_key_by_version_and_latest(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    v1 = (await deploy(stub, one_task("versions", "v1"))).deployments[0].process
    v2 = (await deploy(stub, one_task("versions", "v2"))).deployments[0].process
    by_key = await stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(processDefinitionKey=v1.processDefinitionKey)
    )
    assert (by_key.version, by_key.bpmnProcessId) == (1, "versions")
    latest = await stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="versions", version=-1)
    )
    assert (latest.version, latest.processDefinitionKey) == (2, v2.processDefinitionKey)
    pinned = await stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="versions", version=1)
    )
    assert pinned.version == 1
    assert gateway.instance(pinned.processInstanceKey).state == "ACTIVE"
    assert [j.type for j in gateway.jobs(state="activatable")] == ["v1", "v2", "v1"]


@pytest.mark.parametrize(
    ("request_fields", "code", "phrase"),
    [
        ({"bpmnProcessId": "nowhere", "version": -1}, grpc.StatusCode.NOT_FOUND, "nowhere"),
        ({"bpmnProcessId": "known", "version": 7}, grpc.StatusCode.NOT_FOUND, "version '7'"),
        ({"processDefinitionKey": 99}, grpc.StatusCode.NOT_FOUND, "99"),
        ({}, grpc.StatusCode.INVALID_ARGUMENT, "bpmnProcessId"),
        ({"bpmnProcessId": "known", "version": -2}, grpc.StatusCode.INVALID_ARGUMENT, "-2"),
        (
            {"bpmnProcessId": "known", "version": -1, "variables": "[1]"},
            grpc.StatusCode.INVALID_ARGUMENT,
            "JSON object",
        ),
        (
            {"bpmnProcessId": "known", "version": -1, "variables": "{oops"},
            grpc.StatusCode.INVALID_ARGUMENT,
            "invalid JSON",
        ),
    ],
)
async def test_create_instance_rejections(
    stub: GatewayAsyncStub,
    request_fields: dict[str, object],
    code: grpc.StatusCode,
    phrase: str,
) -> None:
    await deploy(stub, one_task("known", "known-job"))
    request = pb.CreateProcessInstanceRequest(**request_fields)  # type: ignore[arg-type]
    error = await rpc_error(stub.CreateProcessInstance(request))
    assert error.code() is code
    assert phrase in (error.details() or "")


async def test_cancel_terminates_the_instance_and_its_jobs(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    await deploy(stub, one_task("cancel-me", "cancel-job"))
    key = await start(stub, "cancel-me")
    job = await activate_one(stub, "cancel-job")
    await stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=key))
    assert gateway.instance(key).state == "TERMINATED"
    assert gateway.job(job.key).state == "canceled"
    error = await rpc_error(complete(stub, job.key, {}))
    assert error.code() is grpc.StatusCode.NOT_FOUND
    error = await rpc_error(
        stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=key))
    )
    assert error.code() is grpc.StatusCode.NOT_FOUND


# -- executing the subset ---------------------------------------------------------------------


async def test_order_process_runs_inputs_headers_outputs_gateways_fork_and_join(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    await deploy(stub, ORDER_BPMN.read_bytes(), "order_process.bpmn")
    order = {"id": "o-1", "total": 250, "customer": {"tier": "silver"}}
    key = await start(stub, "order-fulfilment", {"order": order})

    validate = await activate_one(stub, "validate-order")
    assert json.loads(validate.customHeaders) == {"channel": "web-shop", "sla": "PT5M"}
    assert (validate.retries, validate.elementId, validate.processInstanceKey) == (
        5,
        "Task_ValidateOrder",
        key,
    )
    local = json.loads(validate.variables)
    assert (local["orderId"], local["amount"], local["currency"]) == ("o-1", 250, "EUR")
    await complete(stub, validate.key, {"valid": True, "reason": "looks fine"})

    charge = await activate_one(stub, "charge-card")
    reserve = await activate_one(stub, "reserve-stock")
    assert json.loads(charge.customHeaders) == {"provider": "acme-pay"}
    assert reserve.retries == 2
    await complete(stub, charge.key, {"receipt": "r-9"})
    assert gateway.instance(key).state == "ACTIVE"  # the join waits for the other branch
    await complete(stub, reserve.key, {"reserved": True})

    snapshot = await gateway.wait_for_instance(key, "COMPLETED")
    assert snapshot.variables == {
        "order": order,
        "orderValid": True,
        "validation": {"reason": "looks fine"},
        "receipt": "r-9",
        "reserved": True,
    }
    assert snapshot.visited[:4] == (
        "StartEvent_OrderReceived",
        "Task_ValidateOrder",
        "Gateway_OrderValid",
        "Gateway_Fork",
    )
    assert set(snapshot.visited[4:6]) == {"Task_ChargeCard", "Task_ReserveStock"}
    assert snapshot.visited[6:] == ("Gateway_Join", "EndEvent_Fulfilled")
    assert "orderId" not in snapshot.variables  # input mappings stay local to the task


@pytest.mark.parametrize(
    ("valid", "total", "tier", "end"),
    [
        (False, 10, "silver", "EndEvent_Rejected"),
        (True, 5000, "silver", "EndEvent_NeedsApproval"),
    ],
)
async def test_exclusive_gateway_takes_the_first_true_condition(
    gateway: EmbeddedGateway,
    stub: GatewayAsyncStub,
    valid: bool,
    total: int,
    tier: str,
    end: str,
) -> None:
    await deploy(stub, ORDER_BPMN.read_bytes(), "order_process.bpmn")
    order = {"id": "o-2", "total": total, "customer": {"tier": tier}}
    # The task's input mapping "amount" is local to the task: the gateway sees the root one.
    key = await start(stub, "order-fulfilment", {"order": order, "amount": total})
    validate = await activate_one(stub, "validate-order")
    await complete(stub, validate.key, {"valid": valid, "reason": "r"})
    snapshot = await gateway.wait_for_instance(key)
    assert snapshot.visited[-1] == end
    assert gateway.jobs(type="charge-card") == []


def gateway_process(default: bool) -> bytes:
    default_attr = ' default="toLow"' if default else ""
    return bpmn(
        "routing",
        '<bpmn:startEvent id="start"/>'
        f'<bpmn:exclusiveGateway id="Decide"{default_attr}/>'
        '<bpmn:endEvent id="high"/><bpmn:endEvent id="low"/>'
        + flow("toGateway", "start", "Decide")
        + flow("toHigh", "Decide", "high", "=score &gt;= 10")
        + (
            flow("toLow", "Decide", "low")
            if default
            else flow("toLow", "Decide", "low", "=score &lt; 0")
        ),
    )


async def test_exclusive_gateway_falls_back_to_the_default_flow(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    await deploy(stub, gateway_process(default=True))
    high = await start(stub, "routing", {"score": 12})
    low = await start(stub, "routing", {"score": 3})
    assert (await gateway.wait_for_instance(high)).visited[-1] == "high"
    assert (await gateway.wait_for_instance(low)).visited[-1] == "low"


async def test_exclusive_gateway_without_a_match_raises_an_incident_until_resolved(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    await deploy(stub, gateway_process(default=False))
    key = await start(stub, "routing", {"score": 5})
    [incident] = gateway.instance(key).incidents
    assert (incident.type, incident.element_id) == ("CONDITION_ERROR", "Decide")
    assert "Decide" in incident.message
    await stub.SetVariables(
        pb.SetVariablesRequest(elementInstanceKey=key, variables='{"score": 50}')
    )
    await stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=incident.key))
    snapshot = await gateway.wait_for_instance(key)
    assert snapshot.visited[-1] == "high"
    assert gateway.incidents() == []


def boundary_process() -> bytes:
    return bpmn(
        "risky",
        '<bpmn:startEvent id="start"/>'
        + task("Pay", "risky-pay")
        + '<bpmn:boundaryEvent id="OnDeclined" attachedToRef="Pay">'
        '<bpmn:errorEventDefinition errorRef="declined"/></bpmn:boundaryEvent>'
        '<bpmn:boundaryEvent id="OnAnyError" attachedToRef="Pay">'
        "<bpmn:errorEventDefinition/></bpmn:boundaryEvent>"
        '<bpmn:endEvent id="paid"/><bpmn:endEvent id="declinedEnd"/>'
        '<bpmn:endEvent id="otherEnd"/>'
        + flow("f1", "start", "Pay")
        + flow("f2", "Pay", "paid")
        + flow("f3", "OnDeclined", "declinedEnd")
        + flow("f4", "OnAnyError", "otherEnd"),
        '<bpmn:error id="declined" errorCode="DECLINED"/>',
    )


@pytest.mark.parametrize(
    ("code", "boundary", "end"),
    [("DECLINED", "OnDeclined", "declinedEnd"), ("FRAUD", "OnAnyError", "otherEnd")],
)
async def test_error_boundary_events_catch_by_code_or_catch_all(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub, code: str, boundary: str, end: str
) -> None:
    await deploy(stub, boundary_process())
    key = await start(stub, "risky")
    job = await activate_one(stub, "risky-pay")
    await stub.ThrowError(
        pb.ThrowErrorRequest(
            jobKey=job.key, errorCode=code, errorMessage="no", variables='{"why": "card"}'
        )
    )
    snapshot = await gateway.wait_for_instance(key)
    assert snapshot.visited == ("start", "Pay", boundary, end)
    assert snapshot.variables == {"why": "card"}
    assert gateway.job(job.key).state == "error_thrown"
    assert gateway.incidents() == []
    error = await rpc_error(complete(stub, job.key, {}))
    assert error.code() is grpc.StatusCode.NOT_FOUND


async def test_an_uncaught_error_raises_an_incident_on_the_instance(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    await deploy(stub, one_task("uncaught", "uncaught-job"))
    key = await start(stub, "uncaught")
    job = await activate_one(stub, "uncaught-job")
    await stub.ThrowError(pb.ThrowErrorRequest(jobKey=job.key, errorCode="BOOM"))
    [incident] = gateway.instance(key).incidents
    assert (incident.type, incident.element_id, incident.job_key) == (
        "UNHANDLED_ERROR_EVENT",
        "work",
        job.key,
    )
    assert "BOOM" in incident.message
    assert gateway.instance(key).state == "ACTIVE"


async def test_a_job_out_of_retries_blocks_the_instance_until_resolved(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    await deploy(stub, one_task("retrying", "retrying-job"))
    key = await start(stub, "retrying")
    job = await activate_one(stub, "retrying-job")
    await stub.FailJob(pb.FailJobRequest(jobKey=job.key, retries=0, errorMessage="down"))
    [incident] = gateway.instance(key).incidents
    assert (incident.type, incident.job_key, incident.message) == (
        "JOB_NO_RETRIES",
        job.key,
        "down",
    )
    await stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=job.key, retries=1))
    await stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=incident.key))
    again = await activate_one(stub, "retrying-job")
    assert (again.key, again.retries) == (job.key, 1)
    await complete(stub, again.key, {"done": True})
    assert (await gateway.wait_for_instance(key)).variables == {"done": True}


async def test_completion_variables_go_where_the_variable_lives(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    await deploy(stub, one_task("scoped", "scoped-job"))
    key = await start(stub, "scoped", {"count": 1})
    job = await activate_one(stub, "scoped-job")
    await stub.SetVariables(
        pb.SetVariablesRequest(
            elementInstanceKey=job.elementInstanceKey, variables='{"draft": true}', local=True
        )
    )
    await stub.SetVariables(
        pb.SetVariablesRequest(elementInstanceKey=job.elementInstanceKey, variables='{"seen": 1}')
    )
    assert gateway.instance(key).variables == {"count": 1, "seen": 1}
    assert gateway.job(job.key).variables == {"count": 1, "seen": 1, "draft": True}
    await complete(stub, job.key, {"count": 2, "result": "ok", "draft": False})
    snapshot = await gateway.wait_for_instance(key)
    assert snapshot.variables == {"count": 2, "seen": 1, "result": "ok"}  # draft was local


async def test_set_variables_rejects_unknown_scopes_and_bad_documents(
    stub: GatewayAsyncStub,
) -> None:
    error = await rpc_error(
        stub.SetVariables(pb.SetVariablesRequest(elementInstanceKey=123, variables="{}"))
    )
    assert error.code() is grpc.StatusCode.NOT_FOUND
    assert "123" in (error.details() or "")
    error = await rpc_error(
        stub.SetVariables(pb.SetVariablesRequest(elementInstanceKey=123, variables="[]"))
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_parallel_join_waits_for_every_incoming_flow(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    body = (
        '<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>'
        + task("a", "par-a")
        + task("b", "par-b")
        + task("c", "par-c")
        + '<bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>'
        + flow("f0", "start", "fork")
        + "".join(flow(f"to{t}", "fork", t) for t in "abc")
        + "".join(flow(f"from{t}", t, "join") for t in "abc")
        + flow("fEnd", "join", "end")
    )
    await deploy(stub, bpmn("parallel", body))
    key = await start(stub, "parallel")
    jobs = [await activate_one(stub, f"par-{t}") for t in "abc"]
    for job in jobs[:2]:
        await complete(stub, job.key, {})
    assert gateway.instance(key).state == "ACTIVE"
    await complete(stub, jobs[2].key, {})
    snapshot = await gateway.wait_for_instance(key)
    assert snapshot.visited.count("join") == 1
    assert snapshot.visited[-1] == "end"


# -- results, messages and signals ------------------------------------------------------------


async def test_create_with_result_answers_with_fetched_variables(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    await deploy(stub, one_task("with-result", "result-job"))

    async def work() -> None:
        job = await activate_one(stub, "result-job")
        await complete(stub, job.key, {"total": 42, "noise": "x"})

    worker = asyncio.ensure_future(work())
    response = await stub.CreateProcessInstanceWithResult(
        pb.CreateProcessInstanceWithResultRequest(
            request=pb.CreateProcessInstanceRequest(
                bpmnProcessId="with-result", version=-1, variables='{"input": 1}'
            ),
            requestTimeout=5_000,
            fetchVariables=["total", "input"],
        )
    )
    await worker
    assert json.loads(response.variables) == {"total": 42, "input": 1}
    assert gateway.instance(response.processInstanceKey).state == "COMPLETED"


async def test_create_with_result_times_out_with_deadline_exceeded(
    stub: GatewayAsyncStub,
) -> None:
    await deploy(stub, one_task("slow-result", "nobody-works-this"))
    error = await rpc_error(
        stub.CreateProcessInstanceWithResult(
            pb.CreateProcessInstanceWithResultRequest(
                request=pb.CreateProcessInstanceRequest(bpmnProcessId="slow-result", version=-1),
                requestTimeout=200,
            )
        )
    )
    assert error.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    assert "still active" in (error.details() or "")


async def test_publish_message_buffers_and_rejects_live_duplicates(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    request = pb.PublishMessageRequest(
        name="paid", correlationKey="o-1", timeToLive=60_000, messageId="m-1", variables="{}"
    )
    first = await stub.PublishMessage(request)
    assert first.key > 0
    assert [m.name for m in gateway.messages()] == ["paid"]
    error = await rpc_error(stub.PublishMessage(request))
    assert error.code() is grpc.StatusCode.ALREADY_EXISTS
    assert "m-1" in (error.details() or "")
    gateway.clock.advance(60_000)
    assert gateway.messages() == []
    assert (await stub.PublishMessage(request)).key != first.key
    error = await rpc_error(
        stub.PublishMessage(pb.PublishMessageRequest(name="paid", timeToLive=-1))
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    error = await rpc_error(stub.PublishMessage(pb.PublishMessageRequest(name="")))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_broadcast_signal_returns_a_key(stub: GatewayAsyncStub) -> None:
    response = await stub.BroadcastSignal(pb.BroadcastSignalRequest(signalName="go"))
    assert response.key > 0
    assert response.tenantId == "<default>"
    error = await rpc_error(stub.BroadcastSignal(pb.BroadcastSignalRequest(signalName="")))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT


# -- the test API ---------------------------------------------------------------------------


async def test_test_api_deploys_starts_and_waits(gateway: EmbeddedGateway) -> None:
    [process] = gateway.deploy(ORDER_BPMN)
    assert (process.bpmn_process_id, process.version) == ("order-fulfilment", 1)
    assert gateway.deploy(one_task("api", "api-job").decode())[0].bpmn_process_id == "api"
    key = gateway.create_instance("api", {"n": 1})
    [job] = gateway.jobs(type="api-job")
    assert (job.process_instance_key, job.element_id, job.variables) == (key, "work", {"n": 1})
    with pytest.raises(TimeoutError, match="ACTIVE"):
        await gateway.wait_for_instance(key, timeout=0.05)
    with pytest.raises(LookupError, match="missing"):
        gateway.create_instance("missing")
    with pytest.raises(ValueError, match=r"DOCTYPE|DTD"):
        gateway.deploy(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>')


async def test_an_error_end_event_with_nothing_to_catch_it_raises_an_incident(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    body = (
        '<bpmn:startEvent id="start"/>'
        '<bpmn:endEvent id="Fail"><bpmn:errorEventDefinition errorRef="e"/></bpmn:endEvent>'
        + flow("f1", "start", "Fail")
    )
    await deploy(stub, bpmn("error-end", body, '<bpmn:error id="e" errorCode="GAVE_UP"/>'))
    key = await start(stub, "error-end")
    snapshot = gateway.instance(key)
    assert snapshot.state == "ACTIVE"
    [incident] = snapshot.incidents
    assert (incident.type, incident.element_id) == ("UNHANDLED_ERROR_EVENT", "Fail")
    assert "GAVE_UP" in incident.message
    await stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=key))
    assert gateway.incidents() == []
    assert [i.state for i in gateway.instances("error-end")] == ["TERMINATED"]


async def test_local_variables_on_the_instance_and_inspection_lists(
    gateway: EmbeddedGateway, stub: GatewayAsyncStub
) -> None:
    await deploy(stub, one_task("listing", "listing-job"))
    key = await start(stub, "listing", {"a": 1})
    await stub.SetVariables(
        pb.SetVariablesRequest(elementInstanceKey=key, variables='{"b": 2}', local=True)
    )
    assert gateway.instance(key).variables == {"a": 1, "b": 2}
    assert [p.bpmn_process_id for p in gateway.processes()] == ["listing"]
    assert [i.key for i in gateway.instances()] == [key]
    job = await activate_one(stub, "listing-job")
    await complete(stub, job.key, {"c": 3})
    await gateway.wait_for_instance(key)
    assert gateway.job(job.key).variables == {"a": 1, "b": 2, "c": 3}


async def test_history_limit_forgets_the_oldest_finished_instances() -> None:
    async with EmbeddedGateway(history_limit=2) as gateway:
        gateway.deploy(bpmn("instant", '<bpmn:startEvent id="s"/>'))
        keys = [gateway.create_instance("instant") for _ in range(5)]
        assert [i.key for i in gateway.instances()] == keys[3:]
        assert gateway.instance(keys[4]).state == "COMPLETED"
