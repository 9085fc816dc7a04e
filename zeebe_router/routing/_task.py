"""A registered task: its configuration, its analysed handler and the layers around it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from zeebe_router.controller import JobController
from zeebe_router.job import Job

if TYPE_CHECKING:
    from zeebe_router.pipeline._signature import CallPlan

__all__ = [
    "CallNext",
    "DefaultInt",
    "ExceptionHandler",
    "Execution",
    "Layer",
    "Middleware",
    "Task",
    "TaskConfig",
    "TaskDecorator",
]

#: Where a handler runs: ``auto`` puts ``async def`` on the loop and ``def`` in a thread.
Execution: TypeAlias = Literal["auto", "async", "thread", "process"]

#: pyzeebe's decorator: takes the job, returns it (or a replaced copy); sync or async.
TaskDecorator: TypeAlias = Callable[[Job], "Job | Awaitable[Job]"]

#: Runs the rest of the pipeline for ``job`` and returns what the handler returned.
CallNext: TypeAlias = Callable[[Job], Awaitable[Any]]

#: ``async def mw(job, call_next)``: may time, log, replace the job or short-circuit.
Middleware: TypeAlias = Callable[[Job, CallNext], Awaitable[Any]]

#: pyzeebe's exception handler: ``async def handler(exc, job, job_controller) -> None``.
ExceptionHandler: TypeAlias = Callable[[Exception, Job, JobController], "Awaitable[None] | None"]

_NO_HANDLERS: Mapping[type[BaseException], ExceptionHandler] = MappingProxyType({})


@dataclass(frozen=True)
class TaskConfig:
    """What a worker needs to activate jobs of one task type."""

    type: str
    timeout_ms: int
    max_jobs_to_activate: int
    max_running_jobs: int
    #: ``None`` fetches every variable; ``()`` means the handler reads none.
    variables_to_fetch: tuple[str, ...] | None
    single_value: bool
    variable_name: str | None
    execution: Execution
    auto_extend: bool
    #: Settings left at the router's default, which a worker's defaults may replace
    #: (``CAMUNDA_WORKER_TIMEOUT``, ``CAMUNDA_WORKER_MAX_CONCURRENT_JOBS``).
    inherited: frozenset[str] = frozenset()


class DefaultInt(int):
    """An ``int`` default that remembers it was not given, so a worker default can apply."""

    __slots__ = ()


@dataclass(frozen=True)
class Layer:
    """What one router (or one task) adds around a handler."""

    name: str
    middleware: tuple[Middleware, ...] = ()
    before: tuple[TaskDecorator, ...] = ()
    after: tuple[TaskDecorator, ...] = ()
    #: Exception type -> handler; ``Exception`` is the catch-all.
    exception_handlers: Mapping[type[BaseException], ExceptionHandler] = field(
        default_factory=lambda: _NO_HANDLERS
    )

    @property
    def empty(self) -> bool:
        """Whether the layer adds nothing."""
        return not (self.middleware or self.before or self.after or self.exception_handlers)


@dataclass(frozen=True)
class Task:
    """A handler registered for a task type, with the layers that wrap it (outermost first)."""

    config: TaskConfig
    original_function: Callable[..., Any]
    plan: CallPlan
    layers: tuple[Layer, ...] = ()

    @property
    def type(self) -> str:
        """The task type (the BPMN ``zeebe:taskDefinition`` type)."""
        return self.config.type

    @property
    def handler_name(self) -> str:
        """The handler as ``module:qualname``."""
        return self.plan.handler_name

    def wrapped(self, layer: Layer) -> Task:
        """Return this task with ``layer`` added outside its current layers."""
        if layer.empty:
            return self
        return Task(self.config, self.original_function, self.plan, (layer, *self.layers))
