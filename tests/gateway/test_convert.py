"""Protocol messages become Jobs with every 8.9 field, and JobResults become messages."""

from __future__ import annotations

from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router.gateway._convert import job_from_proto, job_result_to_proto
from zeebe_router.job import (
    JobKind,
    JobResult,
    JobResultActivateElement,
    JobResultCorrections,
    ListenerEventType,
)


def test_every_activated_job_field_is_carried() -> None:
    msg = pb.ActivatedJob(
        key=1,
        type="review",
        processInstanceKey=2,
        bpmnProcessId="order",
        processDefinitionVersion=3,
        processDefinitionKey=4,
        elementId="Review",
        elementInstanceKey=5,
        customHeaders='{"priority":"high"}',
        worker="w1",
        retries=6,
        deadline=7,
        variables='{"a":1}',
        tenantId="t1",
        userTask=pb.UserTaskProperties(
            action="assign", assignee="ann", candidateGroups=["g"], priority=40, userTaskKey=9
        ),
        kind=pb.ActivatedJob.TASK_LISTENER,
        listenerEventType=pb.ActivatedJob.ASSIGNING,
        tags=["vip"],
    )
    job = job_from_proto(msg)
    assert (job.key, job.type, job.process_instance_key, job.bpmn_process_id) == (
        1,
        "review",
        2,
        "order",
    )
    assert (job.process_definition_version, job.process_definition_key) == (3, 4)
    assert (job.element_id, job.element_instance_key, job.worker) == ("Review", 5, "w1")
    assert (job.retries, job.deadline, job.tenant_id) == (6, 7, "t1")
    assert dict(job.custom_headers) == {"priority": "high"}
    assert dict(job.variables) == {"a": 1}
    assert job.kind is JobKind.TASK_LISTENER
    assert job.listener_event_type is ListenerEventType.ASSIGNING
    assert job.tags == ("vip",)
    assert job.user_task is not None
    assert job.user_task.assignee == "ann"
    assert job.user_task.candidate_groups == ("g",)
    assert job.user_task.priority == 40
    assert job.user_task.due_date is None


def test_job_without_user_task() -> None:
    job = job_from_proto(pb.ActivatedJob(key=1, type="t"))
    assert job.user_task is None
    assert dict(job.variables) == {}
    assert job.kind is JobKind.BPMN_ELEMENT


def test_job_result_keeps_omitted_attributes_unset() -> None:
    msg = job_result_to_proto(
        JobResult(
            corrections=JobResultCorrections(assignee="", candidate_users=[], priority=80),
            denied=True,
            denied_reason="too late",
        )
    )
    assert msg.denied is True
    assert msg.deniedReason == "too late"
    assert msg.corrections.HasField("assignee")
    assert msg.corrections.assignee == ""
    assert msg.corrections.HasField("candidateUsers")
    assert list(msg.corrections.candidateUsers.values) == []
    assert not msg.corrections.HasField("candidateGroups")
    assert not msg.corrections.HasField("dueDate")
    assert msg.corrections.priority == 80
    assert not msg.HasField("type")


def test_ad_hoc_sub_process_result() -> None:
    msg = job_result_to_proto(
        JobResult(
            type="adHocSubProcess",
            activate_elements=[JobResultActivateElement("TaskA", {"x": 1})],
            is_completion_condition_fulfilled=True,
        )
    )
    assert msg.type == "adHocSubProcess"
    assert [(e.elementId, e.variables) for e in msg.activateElements] == [("TaskA", '{"x":1}')]
    assert msg.isCompletionConditionFulfilled is True
    assert not msg.HasField("isCancelRemainingInstances")
