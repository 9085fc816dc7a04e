"""A user-task listener that corrects or denies an assignment by returning ``JobResult``.

In Camunda 8.7+, a task listener on a user task (``zeebe:taskListener eventType="assigning"
type="check-assignee"``) creates a job when the task is assigned. Its handler answers with a
``JobResult``: ``corrections`` change the task (assignee, due date, priority, ...) and
``denied=True`` rejects the assignment.
"""

from __future__ import annotations

from zeebe_router import Job, JobResult, JobResultCorrections, ZeebeTaskRouter

router = ZeebeTaskRouter()

#: People on leave, and who covers for them.
DEPUTIES = {"alice": "bob"}


@router.task("check-assignee")
async def check_assignee(job: Job, requester: str = "") -> JobResult:
    """Reassign to a deputy when the assignee is on leave; deny self-approval."""
    assignee = job.user_task.assignee if job.user_task else None
    if assignee is not None and assignee == requester:
        return JobResult(denied=True, denied_reason=f"{assignee} cannot approve their own request")
    if assignee in DEPUTIES:
        return JobResult(corrections=JobResultCorrections(assignee=DEPUTIES[assignee], priority=80))
    return JobResult()
