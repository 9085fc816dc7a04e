"""examples/user_task_listener.py: corrections and denials as a JobResult."""

from __future__ import annotations

from examples import user_task_listener
from zeebe_router import JobKind, ListenerEventType, UserTaskProperties
from zeebe_router.testing import JobEnvironment


async def test_an_assignee_on_leave_is_replaced_by_the_deputy(job_env: JobEnvironment) -> None:
    outcome = await job_env.run(
        user_task_listener.router,
        variables={"requester": "carol"},
        kind=JobKind.TASK_LISTENER,
        user_task=UserTaskProperties(assignee="alice"),
    )
    assert outcome.completed
    assert outcome.result is not None
    assert outcome.result.corrections is not None
    assert (outcome.result.corrections.assignee, outcome.result.corrections.priority) == (
        "bob",
        80,
    )
    assert not outcome.result.denied


async def test_self_approval_is_denied_with_a_reason(job_env: JobEnvironment) -> None:
    outcome = await job_env.run(
        user_task_listener.router,
        variables={"requester": "dave"},
        kind=JobKind.TASK_LISTENER,
        listener_event_type=ListenerEventType.ASSIGNING,
        user_task=UserTaskProperties(assignee="dave"),
    )
    assert outcome.completed
    assert outcome.result is not None
    assert outcome.result.denied is True
    assert outcome.result.denied_reason == "dave cannot approve their own request"


async def test_anyone_else_is_accepted_unchanged(job_env: JobEnvironment) -> None:
    outcome = await job_env.run(
        user_task_listener.router,
        variables={"requester": "carol"},
        kind=JobKind.TASK_LISTENER,
        user_task=UserTaskProperties(assignee="erin"),
    )
    assert outcome.completed
    assert outcome.result is not None
    assert outcome.result.corrections is None
    assert outcome.result.denied is None
