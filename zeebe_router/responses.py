"""Typed answers of the gateway's rpcs, free of protocol classes."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias

__all__ = [
    "BatchOperationCreated",
    "BroadcastSignalResponse",
    "BrokerInfo",
    "CancelProcessInstanceResponse",
    "CreateProcessInstanceResponse",
    "CreateProcessInstanceWithResultResponse",
    "DecisionMetadata",
    "DecisionRequirementsMetadata",
    "DeleteResourceResponse",
    "DeployResourceResponse",
    "DeployedResource",
    "EvaluateDecisionResponse",
    "EvaluatedDecision",
    "EvaluatedDecisionInput",
    "EvaluatedDecisionOutput",
    "FormMetadata",
    "HealthCheckResponse",
    "MatchedDecisionRule",
    "MigrateProcessInstanceResponse",
    "ModifyProcessInstanceResponse",
    "PartitionInfo",
    "ProcessMetadata",
    "PublishMessageResponse",
    "ResolveIncidentResponse",
    "ServingStatus",
    "SetVariablesResponse",
    "Topology",
    "UpdateJobRetriesResponse",
    "UpdateJobTimeoutResponse",
]


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    """One partition as a broker sees it."""

    partition_id: int
    role: str
    health: str


@dataclass(frozen=True, slots=True)
class BrokerInfo:
    """A broker of the cluster and the partitions it holds."""

    node_id: int
    host: str
    port: int
    version: str
    partitions: tuple[PartitionInfo, ...]


@dataclass(frozen=True, slots=True)
class Topology:
    """The cluster as the gateway describes it (``Topology`` rpc)."""

    brokers: tuple[BrokerInfo, ...]
    cluster_size: int
    partitions_count: int
    replication_factor: int
    gateway_version: str
    cluster_id: str = ""


# --- process instances ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateProcessInstanceResponse:
    """A started process instance (``CreateProcessInstance`` rpc)."""

    process_definition_key: int
    bpmn_process_id: str
    version: int
    process_instance_key: int
    tenant_id: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CreateProcessInstanceWithResultResponse:
    """A process instance that ran to its end, with the variables of its root scope."""

    process_definition_key: int
    bpmn_process_id: str
    version: int
    process_instance_key: int
    variables: Mapping[str, Any]
    tenant_id: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CancelProcessInstanceResponse:
    """The instance was cancelled (the rpc answers nothing else)."""


@dataclass(frozen=True, slots=True)
class ModifyProcessInstanceResponse:
    """The instance was modified (the rpc answers nothing else)."""


@dataclass(frozen=True, slots=True)
class MigrateProcessInstanceResponse:
    """The instance was migrated (the rpc answers nothing else)."""


@dataclass(frozen=True, slots=True)
class SetVariablesResponse:
    """Variables were set; ``key`` identifies the variable-document update."""

    key: int


@dataclass(frozen=True, slots=True)
class ResolveIncidentResponse:
    """The incident was resolved (the rpc answers nothing else)."""


@dataclass(frozen=True, slots=True)
class UpdateJobRetriesResponse:
    """The job's retries were updated (the rpc answers nothing else)."""


@dataclass(frozen=True, slots=True)
class UpdateJobTimeoutResponse:
    """The job's deadline was moved (the rpc answers nothing else)."""


# --- messages and signals ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishMessageResponse:
    """A published message; ``key`` identifies it."""

    key: int
    tenant_id: str = ""


@dataclass(frozen=True, slots=True)
class BroadcastSignalResponse:
    """A broadcast signal; ``key`` identifies it."""

    key: int
    tenant_id: str = ""


# --- resources -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProcessMetadata:
    """A process definition created by a deployment."""

    bpmn_process_id: str
    version: int
    process_definition_key: int
    resource_name: str
    tenant_id: str = ""


@dataclass(frozen=True, slots=True)
class DecisionMetadata:
    """A DMN decision created by a deployment."""

    dmn_decision_id: str
    dmn_decision_name: str
    version: int
    decision_key: int
    dmn_decision_requirements_id: str
    decision_requirements_key: int
    tenant_id: str = ""


@dataclass(frozen=True, slots=True)
class DecisionRequirementsMetadata:
    """A DMN decision requirements graph created by a deployment."""

    dmn_decision_requirements_id: str
    dmn_decision_requirements_name: str
    version: int
    decision_requirements_key: int
    resource_name: str
    tenant_id: str = ""


@dataclass(frozen=True, slots=True)
class FormMetadata:
    """A form created by a deployment."""

    form_id: str
    version: int
    form_key: int
    resource_name: str
    tenant_id: str = ""


#: Anything a deployment can create.
DeployedResource: TypeAlias = (
    ProcessMetadata | DecisionMetadata | DecisionRequirementsMetadata | FormMetadata
)


# Inside the response class the pyzeebe-style nested names shadow the module's.
_ProcessMetadata = ProcessMetadata
_DecisionMetadata = DecisionMetadata
_DecisionRequirementsMetadata = DecisionRequirementsMetadata
_FormMetadata = FormMetadata


@dataclass(frozen=True, slots=True)
class DeployResourceResponse:
    """A deployment: its key and what it created, in the gateway's order."""

    ProcessMetadata: ClassVar[type[ProcessMetadata]]
    DecisionMetadata: ClassVar[type[DecisionMetadata]]
    DecisionRequirementsMetadata: ClassVar[type[DecisionRequirementsMetadata]]
    FormMetadata: ClassVar[type[FormMetadata]]

    key: int
    deployments: tuple[DeployedResource, ...]
    tenant_id: str = ""

    @property
    def processes(self) -> tuple[_ProcessMetadata, ...]:
        """The process definitions the deployment created."""
        return tuple(d for d in self.deployments if isinstance(d, _ProcessMetadata))

    @property
    def decisions(self) -> tuple[_DecisionMetadata, ...]:
        """The decisions the deployment created."""
        return tuple(d for d in self.deployments if isinstance(d, _DecisionMetadata))

    @property
    def decision_requirements(self) -> tuple[_DecisionRequirementsMetadata, ...]:
        """The decision requirements graphs the deployment created."""
        return tuple(d for d in self.deployments if isinstance(d, _DecisionRequirementsMetadata))

    @property
    def forms(self) -> tuple[_FormMetadata, ...]:
        """The forms the deployment created."""
        return tuple(d for d in self.deployments if isinstance(d, _FormMetadata))


# pyzeebe spells these as classes nested in the response.
DeployResourceResponse.ProcessMetadata = ProcessMetadata
DeployResourceResponse.DecisionMetadata = DecisionMetadata
DeployResourceResponse.DecisionRequirementsMetadata = DecisionRequirementsMetadata
DeployResourceResponse.FormMetadata = FormMetadata


@dataclass(frozen=True, slots=True)
class BatchOperationCreated:
    """A batch operation the gateway started on behalf of a request."""

    batch_operation_key: str
    batch_operation_type: str


@dataclass(frozen=True, slots=True)
class DeleteResourceResponse:
    """The resource was deleted; with ``delete_history``, a batch operation cleans up."""

    resource_key: str = ""
    batch_operation: BatchOperationCreated | None = None


# --- decisions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvaluatedDecisionInput:
    """An input of an evaluated decision, with its value decoded from JSON."""

    input_id: str
    input_name: str
    input_value: Any


@dataclass(frozen=True, slots=True)
class EvaluatedDecisionOutput:
    """An output of a matched rule, with its value decoded from JSON."""

    output_id: str
    output_name: str
    output_value: Any


@dataclass(frozen=True, slots=True)
class MatchedDecisionRule:
    """A rule of a decision table that matched, with the outputs it produced."""

    rule_id: str
    rule_index: int
    evaluated_outputs: tuple[EvaluatedDecisionOutput, ...] = ()


@dataclass(frozen=True, slots=True)
class EvaluatedDecision:
    """One decision evaluated as part of a decision evaluation."""

    decision_key: int
    decision_id: str
    decision_name: str
    decision_version: int
    decision_type: str
    decision_output: Any
    matched_rules: tuple[MatchedDecisionRule, ...] = ()
    evaluated_inputs: tuple[EvaluatedDecisionInput, ...] = ()
    tenant_id: str = ""


@dataclass(frozen=True, slots=True)
class EvaluateDecisionResponse:
    """The result of ``EvaluateDecision``; ``decision_output`` is decoded from JSON.

    A failed evaluation is not an rpc error: ``failed_decision_id`` and ``failure_message``
    say which decision failed and why.
    """

    decision_key: int
    decision_id: str
    decision_name: str
    decision_version: int
    decision_requirements_id: str
    decision_requirements_key: int
    decision_output: Any
    evaluated_decisions: tuple[EvaluatedDecision, ...] = ()
    failed_decision_id: str = ""
    failure_message: str = ""
    tenant_id: str = ""
    decision_instance_key: int = 0


# --- health --------------------------------------------------------------------------


class ServingStatus(enum.IntEnum):
    """Whether the gateway serves requests (the gRPC health-checking values)."""

    UNKNOWN = 0
    SERVING = 1
    NOT_SERVING = 2
    SERVICE_UNKNOWN = 3


_ServingStatus = ServingStatus


@dataclass(frozen=True, slots=True)
class HealthCheckResponse:
    """The gateway's health, derived from its ``Topology`` answer.

    ``SERVING`` when the gateway answers and every partition it reports is healthy,
    ``NOT_SERVING`` when it reports an unhealthy or dead partition.
    """

    ServingStatus: ClassVar[type[ServingStatus]]

    status: _ServingStatus
    topology: Topology | None = field(default=None, compare=False)


HealthCheckResponse.ServingStatus = ServingStatus
