"""Conversions between protocol messages and zeebe-router's own types."""

from __future__ import annotations

from types import MappingProxyType

from zeebe_router import _json
from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router.job import (
    Job,
    JobKind,
    JobResult,
    ListenerEventType,
    UserTaskProperties,
)

__all__ = ["job_from_proto", "job_result_to_proto"]

_KINDS = {value: JobKind(name) for name, value in pb.ActivatedJob.JobKind.items()}
_EVENTS = {
    value: ListenerEventType(name) for name, value in pb.ActivatedJob.ListenerEventType.items()
}


def _user_task(msg: pb.UserTaskProperties) -> UserTaskProperties:
    return UserTaskProperties(
        action=msg.action if msg.HasField("action") else None,
        assignee=msg.assignee if msg.HasField("assignee") else None,
        candidate_groups=tuple(msg.candidateGroups),
        candidate_users=tuple(msg.candidateUsers),
        changed_attributes=tuple(msg.changedAttributes),
        due_date=msg.dueDate if msg.HasField("dueDate") else None,
        follow_up_date=msg.followUpDate if msg.HasField("followUpDate") else None,
        form_key=msg.formKey if msg.HasField("formKey") else None,
        priority=msg.priority if msg.HasField("priority") else None,
        user_task_key=msg.userTaskKey if msg.HasField("userTaskKey") else None,
    )


def job_from_proto(msg: pb.ActivatedJob) -> Job:
    """Build a :class:`Job` from an ``ActivatedJob``, decoding variables and headers."""
    return Job(
        key=msg.key,
        type=msg.type,
        process_instance_key=msg.processInstanceKey,
        bpmn_process_id=msg.bpmnProcessId,
        process_definition_version=msg.processDefinitionVersion,
        process_definition_key=msg.processDefinitionKey,
        element_id=msg.elementId,
        element_instance_key=msg.elementInstanceKey,
        # Freshly decoded dicts nobody else holds: wrap them without copying.
        custom_headers=MappingProxyType(_json.loads(msg.customHeaders)),
        worker=msg.worker,
        retries=msg.retries,
        deadline=msg.deadline,
        variables=MappingProxyType(_json.loads(msg.variables)),
        tenant_id=msg.tenantId,
        user_task=_user_task(msg.userTask) if msg.HasField("userTask") else None,
        kind=_KINDS.get(msg.kind, JobKind.BPMN_ELEMENT),
        listener_event_type=_EVENTS.get(msg.listenerEventType, ListenerEventType.UNSPECIFIED),
        tags=tuple(msg.tags),
    )


def job_result_to_proto(result: JobResult) -> pb.JobResult:
    """Build the protocol's ``JobResult`` (the job's variables travel separately)."""
    msg = pb.JobResult()
    if result.denied is not None:
        msg.denied = result.denied
    if result.denied_reason is not None:
        msg.deniedReason = result.denied_reason
    if result.type is not None:
        msg.type = result.type
    if result.is_completion_condition_fulfilled is not None:
        msg.isCompletionConditionFulfilled = result.is_completion_condition_fulfilled
    if result.is_cancel_remaining_instances is not None:
        msg.isCancelRemainingInstances = result.is_cancel_remaining_instances
    for element in result.activate_elements:
        msg.activateElements.add(
            elementId=element.element_id, variables=_json.dumps(element.variables)
        )
    c = result.corrections
    if c is not None:
        corrections = msg.corrections
        corrections.SetInParent()
        if c.assignee is not None:
            corrections.assignee = c.assignee
        if c.due_date is not None:
            corrections.dueDate = c.due_date
        if c.follow_up_date is not None:
            corrections.followUpDate = c.follow_up_date
        if c.candidate_users is not None:
            corrections.candidateUsers.SetInParent()
            corrections.candidateUsers.values.extend(c.candidate_users)
        if c.candidate_groups is not None:
            corrections.candidateGroups.SetInParent()
            corrections.candidateGroups.values.extend(c.candidate_groups)
        if c.priority is not None:
            corrections.priority = c.priority
    return msg
