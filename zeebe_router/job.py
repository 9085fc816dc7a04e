"""The activated job as handlers see it, and the result types a handler can return."""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "Job",
    "JobKind",
    "JobResult",
    "JobResultActivateElement",
    "JobResultCorrections",
    "JobStatus",
    "ListenerEventType",
    "UserTaskProperties",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_LOG = logging.getLogger("zeebe_router.job")


class JobStatus(str, enum.Enum):
    """Where a job is in its life inside this worker (pyzeebe's values)."""

    Running = "Running"
    RunningAfterDecorators = "RunningAfterDecorators"
    Completed = "Completed"
    Failed = "Failed"
    ErrorThrown = "ErrorThrown"
    HandedBack = "HandedBack"


class JobKind(str, enum.Enum):
    """What created the job (``ActivatedJob.kind``)."""

    BPMN_ELEMENT = "BPMN_ELEMENT"
    EXECUTION_LISTENER = "EXECUTION_LISTENER"
    TASK_LISTENER = "TASK_LISTENER"
    AD_HOC_SUB_PROCESS = "AD_HOC_SUB_PROCESS"


class ListenerEventType(str, enum.Enum):
    """The listener event of a listener job (``ActivatedJob.listenerEventType``)."""

    ASSIGNING = "ASSIGNING"
    CANCELING = "CANCELING"
    COMPLETING = "COMPLETING"
    CREATING = "CREATING"
    END = "END"
    START = "START"
    UNSPECIFIED = "UNSPECIFIED"
    UPDATING = "UPDATING"


@dataclass(frozen=True, slots=True)
class UserTaskProperties:
    """User-task properties carried by a task-listener job (8.8+)."""

    action: str | None = None
    assignee: str | None = None
    candidate_groups: tuple[str, ...] = ()
    candidate_users: tuple[str, ...] = ()
    changed_attributes: tuple[str, ...] = ()
    due_date: str | None = None
    follow_up_date: str | None = None
    form_key: int | None = None
    priority: int | None = None
    user_task_key: int | None = None


class _JobState:
    """The mutable part shared by a job and its replaced copies: status, result, logger."""

    __slots__ = ("log", "status", "task_result")

    def __init__(self) -> None:
        self.status = JobStatus.Running
        self.task_result: Any = None
        self.log: logging.LoggerAdapter[logging.Logger] | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """An activated job: immutable, with read-only ``variables`` and ``custom_headers``.

    Every field of the protocol's ``ActivatedJob`` is here in snake_case. Use
    :meth:`replace` to derive a changed copy (e.g. in a ``before`` decorator).
    """

    key: int
    type: str
    process_instance_key: int = 0
    bpmn_process_id: str = ""
    process_definition_version: int = 0
    process_definition_key: int = 0
    element_id: str = ""
    element_instance_key: int = 0
    custom_headers: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    worker: str = ""
    retries: int = 0
    deadline: int = 0
    variables: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    tenant_id: str = "<default>"
    user_task: UserTaskProperties | None = None
    kind: JobKind = JobKind.BPMN_ELEMENT
    listener_event_type: ListenerEventType = ListenerEventType.UNSPECIFIED
    tags: tuple[str, ...] = ()
    _state: _JobState = field(default_factory=_JobState, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("variables", "custom_headers"):
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    @property
    def status(self) -> JobStatus:
        """The job's status in this worker; set by its :class:`JobController`."""
        return self._state.status

    @property
    def task_result(self) -> Any:
        """What the handler returned (visible to ``after`` decorators)."""
        return self._state.task_result

    @property
    def log(self) -> logging.LoggerAdapter[logging.Logger]:
        """A logger whose records carry this job's key, type and process instance."""
        log = self._state.log
        if log is None:
            log = logging.LoggerAdapter(_LOG, self.log_context())
            self._state.log = log
        return log

    def log_context(self) -> dict[str, Any]:
        """The fields that identify this job in logs, metrics and traces."""
        return {
            "job_key": self.key,
            "job_type": self.type,
            "process_instance_key": self.process_instance_key,
            "bpmn_process_id": self.bpmn_process_id,
            "element_id": self.element_id,
        }

    def replace(self, **changes: Any) -> Job:
        """Return a copy with ``changes`` applied; status and result stay shared."""
        return dataclasses.replace(self, **changes, _state=self._state)

    def _set_status(self, status: JobStatus) -> None:
        self._state.status = status

    def _set_task_result(self, result: Any) -> None:
        self._state.task_result = result


@dataclass(frozen=True, slots=True)
class JobResultCorrections:
    """Corrections a user-task listener applies; ``None`` keeps, ``""``/``[]`` clears."""

    assignee: str | None = None
    due_date: str | None = None
    follow_up_date: str | None = None
    candidate_users: Sequence[str] | None = None
    candidate_groups: Sequence[str] | None = None
    priority: int | None = None

    def __post_init__(self) -> None:
        if self.priority is not None and not 0 <= self.priority <= 100:
            raise ValueError(f"priority must be between 0 and 100, got {self.priority}")


@dataclass(frozen=True, slots=True)
class JobResultActivateElement:
    """An element an ad-hoc sub-process job asks to activate, with its variables."""

    element_id: str
    variables: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class JobResult:
    """Return this from a listener or ad-hoc sub-process handler (8.7+ ``JobResult``).

    ``variables`` complete the job as usual; the rest is sent as the job's result.
    """

    variables: Mapping[str, Any] | None = None
    corrections: JobResultCorrections | None = None
    denied: bool | None = None
    denied_reason: str | None = None
    type: str | None = None
    activate_elements: Sequence[JobResultActivateElement] = ()
    is_completion_condition_fulfilled: bool | None = None
    is_cancel_remaining_instances: bool | None = None
