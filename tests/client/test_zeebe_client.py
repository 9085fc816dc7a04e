"""ZeebeClient and SyncZeebeClient against a gateway that records what it receives."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from zeebe_router import errors
from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router.client import (
    ActivateInstruction,
    MappingInstruction,
    MoveInstruction,
    SyncZeebeClient,
    TerminateInstruction,
    VariableInstruction,
    ZeebeClient,
)
from zeebe_router.responses import (
    BatchOperationCreated,
    DecisionMetadata,
    DecisionRequirementsMetadata,
    DeployResourceResponse,
    FormMetadata,
    ProcessMetadata,
    ServingStatus,
)

_SERVICE = pb.DESCRIPTOR.services_by_name["Gateway"]


class RecordingGateway:
    """Answers every unary rpc with a set reply (default: empty) and records the requests."""

    def __init__(self) -> None:
        self.requests: dict[str, list[Any]] = defaultdict(list)
        self.replies: dict[str, Any] = {}
        self.failures: dict[str, list[grpc.StatusCode]] = defaultdict(list)

    def handler(self) -> grpc.GenericRpcHandler[Any, Any]:
        """A handler of the Gateway service's unary rpcs (the rest stay UNIMPLEMENTED)."""
        methods = {
            m.name: grpc.unary_unary_rpc_method_handler(
                self._answer(m.name),
                request_deserializer=getattr(pb, m.input_type.name).FromString,
                response_serializer=getattr(pb, m.output_type.name).SerializeToString,
            )
            for m in _SERVICE.methods
            if not m.server_streaming
        }
        return grpc.method_handlers_generic_handler(_SERVICE.full_name, methods)

    def _answer(self, rpc: str) -> Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Any]:
        output = getattr(pb, _SERVICE.methods_by_name[rpc].output_type.name)

        async def answer(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            self.requests[rpc].append(request)
            if self.failures[rpc]:
                await context.abort(self.failures[rpc].pop(0), f"{rpc} refused")
            return self.replies.get(rpc) or output()

        return answer

    def only(self, rpc: str) -> Any:
        """The one request ``rpc`` received."""
        [request] = self.requests[rpc]
        return request


@dataclass
class Fake:
    servicer: RecordingGateway
    address: str


@pytest.fixture
async def fake() -> AsyncIterator[Fake]:
    servicer = RecordingGateway()
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((servicer.handler(),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield Fake(servicer, f"127.0.0.1:{port}")
    await server.stop(None)


@pytest.fixture
async def client(fake: Fake) -> AsyncIterator[ZeebeClient]:
    channel = grpc.aio.insecure_channel(fake.address)
    async with ZeebeClient(channel) as zeebe:
        yield zeebe
    await channel.close(None)


# --- process instances -----------------------------------------------------------------


async def test_run_process_sends_the_process_and_returns_the_instance(
    fake: Fake, client: ZeebeClient
) -> None:
    fake.servicer.replies["CreateProcessInstance"] = pb.CreateProcessInstanceResponse(
        processDefinitionKey=11,
        bpmnProcessId="order",
        version=3,
        processInstanceKey=42,
        tenantId="acme",
        tags=["vip"],
    )
    response = await client.run_process("order", {"amount": 9.5}, tenant_id="acme")
    request = fake.servicer.only("CreateProcessInstance")
    assert request.bpmnProcessId == "order"
    assert request.version == -1
    assert json.loads(request.variables) == {"amount": 9.5}
    assert request.tenantId == "acme"
    assert response.process_instance_key == 42
    assert response.process_definition_key == 11
    assert response.bpmn_process_id == "order"
    assert response.version == 3
    assert response.tenant_id == "acme"
    assert response.tags == ("vip",)


async def test_run_process_with_result_returns_the_decoded_variables(
    fake: Fake, client: ZeebeClient
) -> None:
    fake.servicer.replies["CreateProcessInstanceWithResult"] = (
        pb.CreateProcessInstanceWithResultResponse(
            processInstanceKey=7, bpmnProcessId="order", variables='{"total":12,"ok":true}'
        )
    )
    response = await client.run_process_with_result(
        "order", {"n": 1}, version=2, timeout=5_000, variables_to_fetch=["total", "ok"]
    )
    request = fake.servicer.only("CreateProcessInstanceWithResult")
    assert request.request.bpmnProcessId == "order"
    assert request.request.version == 2
    assert request.requestTimeout == 5_000
    assert list(request.fetchVariables) == ["total", "ok"]
    assert response.variables == {"total": 12, "ok": True}
    assert response.process_instance_key == 7


async def test_unknown_process_raises_process_definition_not_found(
    fake: Fake, client: ZeebeClient
) -> None:
    fake.servicer.failures["CreateProcessInstance"].append(grpc.StatusCode.NOT_FOUND)
    with pytest.raises(errors.ProcessDefinitionNotFoundError, match="refused"):
        await client.run_process("missing")


async def test_unserialisable_variables_are_refused_before_sending(
    fake: Fake, client: ZeebeClient
) -> None:
    with pytest.raises(errors.VariablesNotSerializableError, match="when"):
        await client.run_process("order", {"when": object()})
    assert fake.servicer.requests["CreateProcessInstance"] == []


async def test_cancel_process_instance(fake: Fake, client: ZeebeClient) -> None:
    await client.cancel_process_instance(42)
    assert fake.servicer.only("CancelProcessInstance").processInstanceKey == 42
    fake.servicer.failures["CancelProcessInstance"].append(grpc.StatusCode.NOT_FOUND)
    with pytest.raises(errors.ProcessInstanceNotFoundError):
        await client.cancel_process_instance(43)


async def test_set_variables(fake: Fake, client: ZeebeClient) -> None:
    fake.servicer.replies["SetVariables"] = pb.SetVariablesResponse(key=77)
    response = await client.set_variables(5, {"status": "paid"}, local=True)
    request = fake.servicer.only("SetVariables")
    assert request.elementInstanceKey == 5
    assert json.loads(request.variables) == {"status": "paid"}
    assert request.local is True
    assert response.key == 77


async def test_modify_process_instance_sends_every_instruction(
    fake: Fake, client: ZeebeClient
) -> None:
    await client.modify_process_instance(
        9,
        activate=[
            ActivateInstruction("review", 3, (VariableInstruction({"a": 1}, scope_id="sub"),))
        ],
        terminate=[TerminateInstruction(element_instance_key=21)],
        move=[
            MoveInstruction(
                "ship", source_element_id="pack", variables=(VariableInstruction({"b": 2}),)
            )
        ],
    )
    request = fake.servicer.only("ModifyProcessInstance")
    assert request.processInstanceKey == 9
    [activate] = request.activateInstructions
    assert (activate.elementId, activate.ancestorElementInstanceKey) == ("review", 3)
    assert activate.variableInstructions[0].scopeId == "sub"
    assert json.loads(activate.variableInstructions[0].variables) == {"a": 1}
    assert request.terminateInstructions[0].elementInstanceKey == 21
    [move] = request.moveInstructions
    assert (move.sourceElementId, move.targetElementId) == ("pack", "ship")
    assert json.loads(move.variableInstructions[0].variables) == {"b": 2}


async def test_migrate_process_instance_sends_the_plan(fake: Fake, client: ZeebeClient) -> None:
    await client.migrate_process_instance(9, 500, [MappingInstruction("task_a", "task_b")])
    request = fake.servicer.only("MigrateProcessInstance")
    assert request.processInstanceKey == 9
    assert request.migrationPlan.targetProcessDefinitionKey == 500
    [mapping] = request.migrationPlan.mappingInstructions
    assert (mapping.sourceElementId, mapping.targetElementId) == ("task_a", "task_b")


# --- jobs and incidents --------------------------------------------------------------


async def test_update_job_retries_and_timeout(fake: Fake, client: ZeebeClient) -> None:
    await client.update_job_retries(8, 3)
    await client.update_job_timeout(8, 60_000)
    assert fake.servicer.only("UpdateJobRetries").retries == 3
    assert fake.servicer.only("UpdateJobTimeout").timeout == 60_000
    fake.servicer.failures["UpdateJobRetries"].append(grpc.StatusCode.NOT_FOUND)
    with pytest.raises(errors.JobNotFoundError):
        await client.update_job_retries(9, 1)


async def test_resolve_incident(fake: Fake, client: ZeebeClient) -> None:
    await client.resolve_incident(123)
    assert fake.servicer.only("ResolveIncident").incidentKey == 123


# --- resources and decisions ---------------------------------------------------------


async def test_deploy_resource_reads_files_and_takes_content(
    fake: Fake, client: ZeebeClient, tmp_path: Path
) -> None:
    bpmn = tmp_path / "order.bpmn"
    bpmn.write_bytes(b"<definitions/>")
    fake.servicer.replies["DeployResource"] = pb.DeployResourceResponse(
        key=1000,
        tenantId="<default>",
        deployments=[
            pb.Deployment(
                process=pb.ProcessMetadata(
                    bpmnProcessId="order",
                    version=1,
                    processDefinitionKey=11,
                    resourceName="order.bpmn",
                )
            ),
            pb.Deployment(
                decision=pb.DecisionMetadata(
                    dmnDecisionId="risk",
                    dmnDecisionName="Risk",
                    version=2,
                    decisionKey=12,
                    dmnDecisionRequirementsId="drg",
                    decisionRequirementsKey=13,
                )
            ),
            pb.Deployment(
                decisionRequirements=pb.DecisionRequirementsMetadata(
                    dmnDecisionRequirementsId="drg",
                    dmnDecisionRequirementsName="DRG",
                    version=2,
                    decisionRequirementsKey=13,
                    resourceName="risk.dmn",
                )
            ),
            pb.Deployment(
                form=pb.FormMetadata(formId="f", version=1, formKey=14, resourceName="approve.form")
            ),
        ],
    )
    response = await client.deploy_resource(
        bpmn, resources={"risk.dmn": "<dmn/>", "approve.form": b"{}"}
    )
    request = fake.servicer.only("DeployResource")
    assert [(r.name, r.content) for r in request.resources] == [
        ("order.bpmn", b"<definitions/>"),
        ("risk.dmn", b"<dmn/>"),
        ("approve.form", b"{}"),
    ]
    assert response.key == 1000
    assert response.processes == (ProcessMetadata("order", 1, 11, "order.bpmn"),)
    assert response.decisions == (DecisionMetadata("risk", "Risk", 2, 12, "drg", 13),)
    assert response.decision_requirements == (
        DecisionRequirementsMetadata("drg", "DRG", 2, 13, "risk.dmn"),
    )
    assert response.forms == (FormMetadata("f", 1, 14, "approve.form"),)
    assert len(response.deployments) == 4
    assert DeployResourceResponse.ProcessMetadata is ProcessMetadata


async def test_deploy_resource_needs_something_to_deploy(client: ZeebeClient) -> None:
    with pytest.raises(ValueError, match="at least one"):
        await client.deploy_resource()


async def test_deploy_of_a_missing_file_sends_nothing(
    fake: Fake, client: ZeebeClient, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        await client.deploy_resource(tmp_path / "nope.bpmn")
    assert fake.servicer.requests["DeployResource"] == []


async def test_delete_resource_decodes_the_batch_operation(fake: Fake, client: ZeebeClient) -> None:
    fake.servicer.replies["DeleteResource"] = pb.DeleteResourceResponse(
        resourceKey="11",
        batchOperation=pb.BatchOperationCreatedResult(
            batchOperationKey="b1",
            batchOperationType=pb.BatchOperationCreatedResult.DELETE_PROCESS_DEFINITION,
        ),
    )
    response = await client.delete_resource(11, delete_history=True)
    request = fake.servicer.only("DeleteResource")
    assert request.resourceKey == 11
    assert request.deleteHistory is True
    assert response.resource_key == "11"
    assert response.batch_operation == BatchOperationCreated("b1", "DELETE_PROCESS_DEFINITION")


async def test_evaluate_decision_decodes_outputs_and_inputs(
    fake: Fake, client: ZeebeClient
) -> None:
    fake.servicer.replies["EvaluateDecision"] = pb.EvaluateDecisionResponse(
        decisionKey=12,
        decisionId="risk",
        decisionName="Risk",
        decisionVersion=2,
        decisionRequirementsId="drg",
        decisionRequirementsKey=13,
        decisionOutput='"high"',
        decisionInstanceKey=99,
        evaluatedDecisions=[
            pb.EvaluatedDecision(
                decisionKey=12,
                decisionId="risk",
                decisionType="DECISION_TABLE",
                decisionOutput='"high"',
                evaluatedInputs=[
                    pb.EvaluatedDecisionInput(inputId="i1", inputName="amount", inputValue="900")
                ],
                matchedRules=[
                    pb.MatchedDecisionRule(
                        ruleId="r2",
                        ruleIndex=2,
                        evaluatedOutputs=[
                            pb.EvaluatedDecisionOutput(
                                outputId="o1", outputName="risk", outputValue='"high"'
                            )
                        ],
                    )
                ],
            )
        ],
    )
    response = await client.evaluate_decision(None, "risk", {"amount": 900})
    request = fake.servicer.only("EvaluateDecision")
    assert (request.decisionKey, request.decisionId) == (0, "risk")
    assert json.loads(request.variables) == {"amount": 900}
    assert response.decision_output == "high"
    assert response.decision_instance_key == 99
    [evaluated] = response.evaluated_decisions
    assert evaluated.evaluated_inputs[0].input_value == 900
    assert evaluated.matched_rules[0].rule_index == 2
    assert evaluated.matched_rules[0].evaluated_outputs[0].output_value == "high"


# --- messages and signals ------------------------------------------------------------


async def test_publish_message(fake: Fake, client: ZeebeClient) -> None:
    fake.servicer.replies["PublishMessage"] = pb.PublishMessageResponse(key=5, tenantId="t")
    response = await client.publish_message(
        "paid", "order-1", {"x": 1}, time_to_live_in_milliseconds=1000, message_id="m1"
    )
    request = fake.servicer.only("PublishMessage")
    assert (request.name, request.correlationKey, request.timeToLive) == ("paid", "order-1", 1000)
    assert request.messageId == "m1"
    assert json.loads(request.variables) == {"x": 1}
    assert (response.key, response.tenant_id) == (5, "t")
    fake.servicer.failures["PublishMessage"].append(grpc.StatusCode.ALREADY_EXISTS)
    with pytest.raises(errors.MessageAlreadyExistsError):
        await client.publish_message("paid", "order-1", message_id="m1")


async def test_publish_message_defaults_to_a_minute_to_live(
    fake: Fake, client: ZeebeClient
) -> None:
    await client.publish_message("paid", "order-2")
    assert fake.servicer.only("PublishMessage").timeToLive == 60_000


async def test_broadcast_signal(fake: Fake, client: ZeebeClient) -> None:
    fake.servicer.replies["BroadcastSignal"] = pb.BroadcastSignalResponse(key=6)
    response = await client.broadcast_signal("stop-all", {"why": "test"})
    request = fake.servicer.only("BroadcastSignal")
    assert request.signalName == "stop-all"
    assert json.loads(request.variables) == {"why": "test"}
    assert response.key == 6


# --- cluster and errors ----------------------------------------------------------------


def _topology(health: pb.Partition.PartitionBrokerHealth.ValueType) -> pb.TopologyResponse:
    return pb.TopologyResponse(
        brokers=[
            pb.BrokerInfo(
                nodeId=0,
                host="broker",
                port=26501,
                version="8.9.0",
                partitions=[pb.Partition(partitionId=1, role=pb.Partition.LEADER, health=health)],
            )
        ],
        clusterSize=1,
        partitionsCount=1,
        replicationFactor=1,
        gatewayVersion="8.9.0",
    )


async def test_topology_and_healthcheck(fake: Fake, client: ZeebeClient) -> None:
    fake.servicer.replies["Topology"] = _topology(pb.Partition.HEALTHY)
    topology = await client.topology()
    assert topology.brokers[0].partitions[0].role == "LEADER"
    assert topology.gateway_version == "8.9.0"
    health = await client.healthcheck()
    assert health.status is ServingStatus.SERVING
    assert health.topology == topology
    fake.servicer.replies["Topology"] = _topology(pb.Partition.UNHEALTHY)
    assert (await client.healthcheck()).status is ServingStatus.NOT_SERVING


async def test_unavailable_gateway_is_retried_then_answers(fake: Fake) -> None:
    fake.servicer.failures["CreateProcessInstance"] += [grpc.StatusCode.UNAVAILABLE] * 2
    fake.servicer.replies["CreateProcessInstance"] = pb.CreateProcessInstanceResponse(
        processInstanceKey=3
    )
    async with ZeebeClient(grpc.aio.insecure_channel(fake.address)) as zeebe:
        response = await zeebe.run_process("order")
        await zeebe.gateway.channel.close(None)
    assert response.process_instance_key == 3
    assert len(fake.servicer.requests["CreateProcessInstance"]) == 3


async def test_without_retries_unavailable_is_raised(fake: Fake) -> None:
    fake.servicer.failures["PublishMessage"].append(grpc.StatusCode.UNAVAILABLE)
    channel = grpc.aio.insecure_channel(fake.address)
    zeebe = ZeebeClient(channel, max_connection_retries=0)
    with pytest.raises(errors.GatewayUnavailableError):
        await zeebe.publish_message("m", "k")
    await channel.close(None)
    assert len(fake.servicer.requests["PublishMessage"]) == 1


async def test_other_errors_are_not_retried(fake: Fake, client: ZeebeClient) -> None:
    fake.servicer.failures["ResolveIncident"].append(grpc.StatusCode.UNIMPLEMENTED)
    with pytest.raises(errors.UnimplementedError):
        await client.resolve_incident(1)
    assert len(fake.servicer.requests["ResolveIncident"]) == 1


# --- the synchronous client ------------------------------------------------------------


async def test_sync_client_sends_every_rpc(fake: Fake, tmp_path: Path) -> None:
    fake.servicer.replies["Topology"] = _topology(pb.Partition.HEALTHY)
    fake.servicer.replies["CreateProcessInstanceWithResult"] = (
        pb.CreateProcessInstanceWithResultResponse(variables='{"done":true}')
    )
    form = tmp_path / "approve.form"
    form.write_text("{}")

    def use() -> dict[str, Any]:
        results: dict[str, Any] = {}
        with SyncZeebeClient(lambda: grpc.aio.insecure_channel(fake.address)) as zeebe:
            results["run"] = zeebe.run_process("p", {"a": 1})
            results["result"] = zeebe.run_process_with_result("p", timeout=1000)
            zeebe.cancel_process_instance(1)
            zeebe.set_variables(2, {"b": 2})
            zeebe.modify_process_instance(1, terminate=[TerminateInstruction(element_id="t")])
            zeebe.migrate_process_instance(1, 2)
            zeebe.update_job_retries(3, 1)
            zeebe.update_job_timeout(3, 1000)
            zeebe.resolve_incident(4)
            zeebe.deploy_resource(form, resources={"p.bpmn": "<x/>"})
            zeebe.delete_resource(5)
            zeebe.evaluate_decision(6, None)
            zeebe.publish_message("m", "k")
            zeebe.broadcast_signal("s")
            results["topology"] = zeebe.topology()
            results["health"] = zeebe.healthcheck()
        return results

    results = await asyncio.to_thread(use)
    assert results["result"].variables == {"done": True}
    assert results["health"].status is ServingStatus.SERVING
    assert results["topology"].cluster_size == 1
    sent = {rpc for rpc, requests in fake.servicer.requests.items() if requests}
    assert sent == {
        "CreateProcessInstance",
        "CreateProcessInstanceWithResult",
        "CancelProcessInstance",
        "SetVariables",
        "ModifyProcessInstance",
        "MigrateProcessInstance",
        "UpdateJobRetries",
        "UpdateJobTimeout",
        "ResolveIncident",
        "DeployResource",
        "DeleteResource",
        "EvaluateDecision",
        "PublishMessage",
        "BroadcastSignal",
        "Topology",
    }
    assert [r.name for r in fake.servicer.only("DeployResource").resources] == [
        "approve.form",
        "p.bpmn",
    ]


async def test_sync_client_translates_errors(fake: Fake) -> None:
    fake.servicer.failures["CancelProcessInstance"].append(grpc.StatusCode.NOT_FOUND)

    def use() -> None:
        with SyncZeebeClient(lambda: grpc.aio.insecure_channel(fake.address)) as zeebe:
            zeebe.cancel_process_instance(1)

    with pytest.raises(errors.ProcessInstanceNotFoundError):
        await asyncio.to_thread(use)


async def test_sync_client_takes_a_channel_created_outside_any_loop(fake: Fake) -> None:
    fake.servicer.replies["PublishMessage"] = pb.PublishMessageResponse(key=8)

    def use() -> int:
        # As at import time: a loop is set for the thread, but nothing runs it.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            channel = grpc.aio.insecure_channel(fake.address)
            zeebe = SyncZeebeClient(channel)
            try:
                return zeebe.publish_message("m", "k").key
            finally:
                zeebe.close()
                zeebe.close()
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    assert await asyncio.to_thread(use) == 8


async def test_sync_client_is_usable_from_many_threads(fake: Fake) -> None:
    zeebe = await asyncio.to_thread(
        SyncZeebeClient, lambda: grpc.aio.insecure_channel(fake.address)
    )
    keys: list[int] = []
    lock = threading.Lock()

    def publish(n: int) -> None:
        zeebe.publish_message("m", f"k{n}")
        with lock:
            keys.append(n)

    def run_threads() -> None:
        threads = [threading.Thread(target=publish, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        zeebe.close()

    await asyncio.to_thread(run_threads)
    assert sorted(keys) == list(range(8))
    correlation = sorted(r.correlationKey for r in fake.servicer.requests["PublishMessage"])
    assert correlation == sorted(f"k{n}" for n in range(8))


async def test_sync_client_refuses_calls_after_close(fake: Fake) -> None:
    zeebe = await asyncio.to_thread(
        SyncZeebeClient, lambda: grpc.aio.insecure_channel(fake.address)
    )
    await asyncio.to_thread(zeebe.close)
    with pytest.raises(RuntimeError, match="closed"):
        zeebe.topology()


async def test_sync_client_refuses_to_block_its_own_loop(fake: Fake) -> None:
    channel = grpc.aio.insecure_channel(fake.address)
    zeebe = SyncZeebeClient(channel)
    with pytest.raises(RuntimeError, match="await a ZeebeClient"):
        zeebe.topology()
    zeebe.close()
    await channel.close(None)
