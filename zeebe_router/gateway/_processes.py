"""Process, message, resource and incident rpcs on top of the job adapter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from zeebe_router import _json
from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router.gateway._adapter import ACTIVATE_DEADLINE_MARGIN_S, ZeebeGateway
from zeebe_router.responses import (
    BatchOperationCreated,
    BroadcastSignalResponse,
    CancelProcessInstanceResponse,
    CreateProcessInstanceResponse,
    CreateProcessInstanceWithResultResponse,
    DecisionMetadata,
    DecisionRequirementsMetadata,
    DeleteResourceResponse,
    DeployedResource,
    DeployResourceResponse,
    EvaluatedDecision,
    EvaluatedDecisionInput,
    EvaluatedDecisionOutput,
    EvaluateDecisionResponse,
    FormMetadata,
    MatchedDecisionRule,
    MigrateProcessInstanceResponse,
    ModifyProcessInstanceResponse,
    ProcessMetadata,
    PublishMessageResponse,
    ResolveIncidentResponse,
    SetVariablesResponse,
)

__all__ = [
    "ActivateInstruction",
    "MappingInstruction",
    "MoveInstruction",
    "ProcessGateway",
    "TerminateInstruction",
    "VariableInstruction",
]

#: ``version`` meaning "the latest deployed version".
LATEST_VERSION = -1


@dataclass(frozen=True, slots=True)
class VariableInstruction:
    """Variables to set when an element is activated; ``scope_id`` picks the element scope."""

    variables: Mapping[str, Any]
    scope_id: str = ""


@dataclass(frozen=True, slots=True)
class ActivateInstruction:
    """Activate ``element_id`` (under ``ancestor_element_instance_key``, 0 to let Zeebe pick)."""

    element_id: str
    ancestor_element_instance_key: int = 0
    variables: tuple[VariableInstruction, ...] = ()


@dataclass(frozen=True, slots=True)
class TerminateInstruction:
    """Terminate one element instance (by key) or every instance of ``element_id``."""

    element_instance_key: int = 0
    element_id: str = ""


@dataclass(frozen=True, slots=True)
class MoveInstruction:
    """Terminate the source element instances and activate ``target_element_id`` instead."""

    target_element_id: str
    source_element_id: str = ""
    source_element_instance_key: int = 0
    variables: tuple[VariableInstruction, ...] = ()
    ancestor_element_instance_key: int = 0
    infer_ancestor_scope_from_source_hierarchy: bool = False
    use_source_parent_key_as_ancestor_scope_key: bool = False


@dataclass(frozen=True, slots=True)
class MappingInstruction:
    """Map an element of the source process to one of the migration's target process."""

    source_element_id: str
    target_element_id: str


_Modify = pb.ModifyProcessInstanceRequest
_Migrate = pb.MigrateProcessInstanceRequest


def _variable_instructions(
    items: Iterable[VariableInstruction],
) -> list[_Modify.VariableInstruction]:
    return [
        _Modify.VariableInstruction(variables=_json.dumps(v.variables), scopeId=v.scope_id)
        for v in items
    ]


def _create_request(
    bpmn_process_id: str, variables: Mapping[str, Any] | None, version: int, tenant_id: str | None
) -> pb.CreateProcessInstanceRequest:
    return pb.CreateProcessInstanceRequest(
        bpmnProcessId=bpmn_process_id,
        version=version,
        variables=_json.dumps(variables),
        tenantId=tenant_id or "",
    )


def _deployed(msg: pb.Deployment) -> DeployedResource | None:
    kind = msg.WhichOneof("Metadata")
    if kind == "process":
        p = msg.process
        return ProcessMetadata(
            bpmn_process_id=p.bpmnProcessId,
            version=p.version,
            process_definition_key=p.processDefinitionKey,
            resource_name=p.resourceName,
            tenant_id=p.tenantId,
        )
    if kind == "decision":
        d = msg.decision
        return DecisionMetadata(
            dmn_decision_id=d.dmnDecisionId,
            dmn_decision_name=d.dmnDecisionName,
            version=d.version,
            decision_key=d.decisionKey,
            dmn_decision_requirements_id=d.dmnDecisionRequirementsId,
            decision_requirements_key=d.decisionRequirementsKey,
            tenant_id=d.tenantId,
        )
    if kind == "decisionRequirements":
        r = msg.decisionRequirements
        return DecisionRequirementsMetadata(
            dmn_decision_requirements_id=r.dmnDecisionRequirementsId,
            dmn_decision_requirements_name=r.dmnDecisionRequirementsName,
            version=r.version,
            decision_requirements_key=r.decisionRequirementsKey,
            resource_name=r.resourceName,
            tenant_id=r.tenantId,
        )
    if kind == "form":
        f = msg.form
        return FormMetadata(
            form_id=f.formId,
            version=f.version,
            form_key=f.formKey,
            resource_name=f.resourceName,
            tenant_id=f.tenantId,
        )
    return None


def _evaluated(msg: pb.EvaluatedDecision) -> EvaluatedDecision:
    return EvaluatedDecision(
        decision_key=msg.decisionKey,
        decision_id=msg.decisionId,
        decision_name=msg.decisionName,
        decision_version=msg.decisionVersion,
        decision_type=msg.decisionType,
        decision_output=_json.loads_value(msg.decisionOutput),
        matched_rules=tuple(
            MatchedDecisionRule(
                rule_id=rule.ruleId,
                rule_index=rule.ruleIndex,
                evaluated_outputs=tuple(
                    EvaluatedDecisionOutput(
                        output_id=o.outputId,
                        output_name=o.outputName,
                        output_value=_json.loads_value(o.outputValue),
                    )
                    for o in rule.evaluatedOutputs
                ),
            )
            for rule in msg.matchedRules
        ),
        evaluated_inputs=tuple(
            EvaluatedDecisionInput(
                input_id=i.inputId,
                input_name=i.inputName,
                input_value=_json.loads_value(i.inputValue),
            )
            for i in msg.evaluatedInputs
        ),
        tenant_id=msg.tenantId,
    )


class ProcessGateway(ZeebeGateway):
    """The job adapter plus the rpcs of processes, messages, resources and incidents.

    Every method raises an error of :mod:`zeebe_router.errors` instead of ``grpc.RpcError``.
    """

    async def create_process_instance(
        self,
        bpmn_process_id: str,
        variables: Mapping[str, Any] | None = None,
        version: int = LATEST_VERSION,
        tenant_id: str | None = None,
    ) -> CreateProcessInstanceResponse:
        """Start an instance of the process ``bpmn_process_id`` (``version=-1``: latest)."""
        msg: pb.CreateProcessInstanceResponse = await self._unary(
            "CreateProcessInstance",
            _create_request(bpmn_process_id, variables, version, tenant_id),
        )
        return CreateProcessInstanceResponse(
            process_definition_key=msg.processDefinitionKey,
            bpmn_process_id=msg.bpmnProcessId,
            version=msg.version,
            process_instance_key=msg.processInstanceKey,
            tenant_id=msg.tenantId,
            tags=tuple(msg.tags),
        )

    async def create_process_instance_with_result(
        self,
        bpmn_process_id: str,
        variables: Mapping[str, Any] | None = None,
        version: int = LATEST_VERSION,
        timeout_ms: int = 0,
        variables_to_fetch: Iterable[str] | None = None,
        tenant_id: str | None = None,
    ) -> CreateProcessInstanceWithResultResponse:
        """Start an instance and wait until it ends; ``timeout_ms=0`` is the gateway's default.

        ``variables_to_fetch=None`` returns every variable of the root scope.
        """
        request = pb.CreateProcessInstanceWithResultRequest(
            request=_create_request(bpmn_process_id, variables, version, tenant_id),
            requestTimeout=timeout_ms,
            fetchVariables=list(variables_to_fetch or ()),
        )
        deadline = timeout_ms / 1000 + ACTIVATE_DEADLINE_MARGIN_S if timeout_ms > 0 else None
        msg: pb.CreateProcessInstanceWithResultResponse = await self._unary(
            "CreateProcessInstanceWithResult", request, deadline
        )
        return CreateProcessInstanceWithResultResponse(
            process_definition_key=msg.processDefinitionKey,
            bpmn_process_id=msg.bpmnProcessId,
            version=msg.version,
            process_instance_key=msg.processInstanceKey,
            variables=_json.loads(msg.variables),
            tenant_id=msg.tenantId,
            tags=tuple(msg.tags),
        )

    async def cancel_process_instance(
        self, process_instance_key: int
    ) -> CancelProcessInstanceResponse:
        """Cancel a running process instance."""
        await self._unary(
            "CancelProcessInstance",
            pb.CancelProcessInstanceRequest(processInstanceKey=process_instance_key),
        )
        return CancelProcessInstanceResponse()

    async def deploy_resource(
        self, resources: Iterable[tuple[str, bytes]], tenant_id: str | None = None
    ) -> DeployResourceResponse:
        """Deploy ``(name, content)`` resources (BPMN, DMN, forms) in one deployment."""
        msg: pb.DeployResourceResponse = await self._unary(
            "DeployResource",
            pb.DeployResourceRequest(
                resources=[pb.Resource(name=name, content=content) for name, content in resources],
                tenantId=tenant_id or "",
            ),
        )
        deployed = (_deployed(d) for d in msg.deployments)
        return DeployResourceResponse(
            key=msg.key,
            deployments=tuple(d for d in deployed if d is not None),
            tenant_id=msg.tenantId,
        )

    async def delete_resource(
        self, resource_key: int, delete_history: bool | None = None
    ) -> DeleteResourceResponse:
        """Delete a deployed process, decision or form; ``delete_history`` also its history."""
        request = pb.DeleteResourceRequest(resourceKey=resource_key)
        if delete_history is not None:
            request.deleteHistory = delete_history
        msg: pb.DeleteResourceResponse = await self._unary("DeleteResource", request)
        batch = None
        if msg.HasField("batchOperation"):
            op = msg.batchOperation
            batch = BatchOperationCreated(
                batch_operation_key=op.batchOperationKey,
                batch_operation_type=pb.BatchOperationCreatedResult.BatchOperationTypeEnum.Name(
                    op.batchOperationType
                ),
            )
        return DeleteResourceResponse(resource_key=msg.resourceKey, batch_operation=batch)

    async def evaluate_decision(
        self,
        decision_key: int | None,
        decision_id: str | None,
        variables: Mapping[str, Any] | None = None,
        tenant_id: str | None = None,
    ) -> EvaluateDecisionResponse:
        """Evaluate a decision by key, or by id (its latest version)."""
        msg: pb.EvaluateDecisionResponse = await self._unary(
            "EvaluateDecision",
            pb.EvaluateDecisionRequest(
                decisionKey=decision_key or 0,
                decisionId=decision_id or "",
                variables=_json.dumps(variables),
                tenantId=tenant_id or "",
            ),
        )
        return EvaluateDecisionResponse(
            decision_key=msg.decisionKey,
            decision_id=msg.decisionId,
            decision_name=msg.decisionName,
            decision_version=msg.decisionVersion,
            decision_requirements_id=msg.decisionRequirementsId,
            decision_requirements_key=msg.decisionRequirementsKey,
            decision_output=_json.loads_value(msg.decisionOutput),
            evaluated_decisions=tuple(_evaluated(d) for d in msg.evaluatedDecisions),
            failed_decision_id=msg.failedDecisionId,
            failure_message=msg.failureMessage,
            tenant_id=msg.tenantId,
            decision_instance_key=msg.decisionInstanceKey,
        )

    async def publish_message(
        self,
        name: str,
        correlation_key: str,
        variables: Mapping[str, Any] | None = None,
        time_to_live_ms: int = 60_000,
        message_id: str | None = None,
        tenant_id: str | None = None,
    ) -> PublishMessageResponse:
        """Publish a message, buffered for ``time_to_live_ms`` until it correlates."""
        msg: pb.PublishMessageResponse = await self._unary(
            "PublishMessage",
            pb.PublishMessageRequest(
                name=name,
                correlationKey=correlation_key,
                timeToLive=time_to_live_ms,
                messageId=message_id or "",
                variables=_json.dumps(variables),
                tenantId=tenant_id or "",
            ),
        )
        return PublishMessageResponse(key=msg.key, tenant_id=msg.tenantId)

    async def broadcast_signal(
        self,
        signal_name: str,
        variables: Mapping[str, Any] | None = None,
        tenant_id: str | None = None,
    ) -> BroadcastSignalResponse:
        """Broadcast the signal ``signal_name`` to every waiting signal event."""
        msg: pb.BroadcastSignalResponse = await self._unary(
            "BroadcastSignal",
            pb.BroadcastSignalRequest(
                signalName=signal_name,
                variables=_json.dumps(variables),
                tenantId=tenant_id or "",
            ),
        )
        return BroadcastSignalResponse(key=msg.key, tenant_id=msg.tenantId)

    async def set_variables(
        self, element_instance_key: int, variables: Mapping[str, Any], local: bool = False
    ) -> SetVariablesResponse:
        """Set variables in an element instance's scope (``local=False`` lets them propagate)."""
        msg: pb.SetVariablesResponse = await self._unary(
            "SetVariables",
            pb.SetVariablesRequest(
                elementInstanceKey=element_instance_key,
                variables=_json.dumps(variables) or "{}",
                local=local,
            ),
        )
        return SetVariablesResponse(key=msg.key)

    async def resolve_incident(self, incident_key: int) -> ResolveIncidentResponse:
        """Mark an incident resolved (a job incident also needs retries > 0 first)."""
        await self._unary("ResolveIncident", pb.ResolveIncidentRequest(incidentKey=incident_key))
        return ResolveIncidentResponse()

    async def modify_process_instance(
        self,
        process_instance_key: int,
        activate: Iterable[ActivateInstruction] = (),
        terminate: Iterable[TerminateInstruction] = (),
        move: Iterable[MoveInstruction] = (),
    ) -> ModifyProcessInstanceResponse:
        """Activate, terminate or move element instances of a running process instance."""
        request = _Modify(
            processInstanceKey=process_instance_key,
            activateInstructions=[
                _Modify.ActivateInstruction(
                    elementId=a.element_id,
                    ancestorElementInstanceKey=a.ancestor_element_instance_key,
                    variableInstructions=_variable_instructions(a.variables),
                )
                for a in activate
            ],
            terminateInstructions=[
                _Modify.TerminateInstruction(
                    elementInstanceKey=t.element_instance_key, elementId=t.element_id
                )
                for t in terminate
            ],
            moveInstructions=[
                _Modify.MoveInstruction(
                    sourceElementInstanceKey=m.source_element_instance_key,
                    sourceElementId=m.source_element_id,
                    targetElementId=m.target_element_id,
                    variableInstructions=_variable_instructions(m.variables),
                    ancestorElementInstanceKey=m.ancestor_element_instance_key,
                    inferAncestorScopeFromSourceHierarchy=m.infer_ancestor_scope_from_source_hierarchy,
                    useSourceParentKeyAsAncestorScopeKey=m.use_source_parent_key_as_ancestor_scope_key,
                )
                for m in move
            ],
        )
        await self._unary("ModifyProcessInstance", request)
        return ModifyProcessInstanceResponse()

    async def migrate_process_instance(
        self,
        process_instance_key: int,
        target_process_definition_key: int,
        mapping_instructions: Iterable[MappingInstruction] = (),
    ) -> MigrateProcessInstanceResponse:
        """Move a running instance to another process definition, element by element."""
        request = _Migrate(
            processInstanceKey=process_instance_key,
            migrationPlan=_Migrate.MigrationPlan(
                targetProcessDefinitionKey=target_process_definition_key,
                mappingInstructions=[
                    _Migrate.MappingInstruction(
                        sourceElementId=m.source_element_id, targetElementId=m.target_element_id
                    )
                    for m in mapping_instructions
                ],
            ),
        )
        await self._unary("MigrateProcessInstance", request)
        return MigrateProcessInstanceResponse()
