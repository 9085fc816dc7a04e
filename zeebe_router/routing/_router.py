"""ZeebeTaskRouter: a registry of task handlers that routers and workers nest and merge."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Literal, TypeVar, overload

from typing_extensions import ParamSpec

from zeebe_router.controller import JobController
from zeebe_router.errors import (
    ConfigurationError,
    DuplicateTaskTypeError,
    InvalidHandlerError,
    NoVariableNameGivenError,
    TaskNotFoundError,
)
from zeebe_router.job import Job
from zeebe_router.pipeline._execution import resolve_mode
from zeebe_router.pipeline._signature import analyse
from zeebe_router.routing._task import (
    DefaultInt,
    ExceptionHandler,
    Execution,
    Layer,
    Middleware,
    Task,
    TaskConfig,
    TaskDecorator,
)

__all__ = ["DEFAULT_MAX_RUNNING_JOBS", "DEFAULT_TIMEOUT_MS", "ZeebeTaskRouter"]

#: pyzeebe's defaults; a worker's environment defaults replace them when not given.
DEFAULT_TIMEOUT_MS = DefaultInt(10000)
DEFAULT_MAX_RUNNING_JOBS = DefaultInt(32)

P = ParamSpec("P")
R = TypeVar("R")
E = TypeVar("E", bound=Exception)
H = TypeVar("H", bound=Callable[..., Any])
M = TypeVar("M", bound=Middleware)

#: An exception handler for one exception type.
TypedExceptionHandler = Callable[[E, Job, JobController], "Awaitable[None] | None"]


class ZeebeTaskRouter:
    """A registry of task handlers (no I/O), with decorators, middleware and exception handlers.

    Register handlers with :meth:`task`, group routers with :meth:`include_router`, and
    hand the root to a ``ZeebeWorker``. What a router adds (``before``/``after``
    decorators, middleware, exception handlers) applies to its own tasks and to the
    tasks of the routers it includes, outside what they add themselves.

    Args:
        before: decorators ``(job) -> job`` run before each handler, in order.
        after: decorators ``(job) -> job`` run after each handler, in order.
        exception_handler: ``async def handler(exc, job, job_controller)`` for exceptions
            that no task-level handler takes.
        middleware: ``async def mw(job, call_next)`` functions, outermost first.
    """

    def __init__(
        self,
        before: Sequence[TaskDecorator] | None = None,
        after: Sequence[TaskDecorator] | None = None,
        exception_handler: ExceptionHandler | None = None,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        self._before: list[TaskDecorator] = list(before or ())
        self._after: list[TaskDecorator] = list(after or ())
        self._middleware: list[Middleware] = list(middleware or ())
        self._exception_handlers: dict[type[BaseException], ExceptionHandler] = {}
        if exception_handler is not None:
            self._exception_handlers[Exception] = exception_handler
        self._own: dict[str, Task] = {}
        self._routers: list[ZeebeTaskRouter] = []
        self._hidden: set[str] = set()

    # --- registering tasks ---------------------------------------------------------

    @overload
    def task(
        self,
        task_type: str,
        exception_handler: ExceptionHandler | None = None,
        variables_to_fetch: Iterable[str] | None = None,
        timeout_ms: int = DEFAULT_TIMEOUT_MS,
        max_jobs_to_activate: int = 32,
        max_running_jobs: int = DEFAULT_MAX_RUNNING_JOBS,
        before: Sequence[TaskDecorator] | None = None,
        after: Sequence[TaskDecorator] | None = None,
        *,
        single_value: Literal[False] = False,
        variable_name: str | None = None,
        execution: Execution = "auto",
        auto_extend: bool = False,
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    @overload
    def task(
        self,
        task_type: str,
        exception_handler: ExceptionHandler | None = None,
        variables_to_fetch: Iterable[str] | None = None,
        timeout_ms: int = DEFAULT_TIMEOUT_MS,
        max_jobs_to_activate: int = 32,
        max_running_jobs: int = DEFAULT_MAX_RUNNING_JOBS,
        before: Sequence[TaskDecorator] | None = None,
        after: Sequence[TaskDecorator] | None = None,
        *,
        single_value: Literal[True],
        variable_name: str,
        execution: Execution = "auto",
        auto_extend: bool = False,
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    def task(
        self,
        task_type: str,
        exception_handler: ExceptionHandler | None = None,
        variables_to_fetch: Iterable[str] | None = None,
        timeout_ms: int = DEFAULT_TIMEOUT_MS,
        max_jobs_to_activate: int = 32,
        max_running_jobs: int = DEFAULT_MAX_RUNNING_JOBS,
        before: Sequence[TaskDecorator] | None = None,
        after: Sequence[TaskDecorator] | None = None,
        *,
        single_value: bool = False,
        variable_name: str | None = None,
        execution: Execution = "auto",
        auto_extend: bool = False,
    ) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """Register the decorated function as the handler of ``task_type``; return it unchanged.

        Args:
            task_type: the BPMN task type (``zeebe:taskDefinition type``).
            exception_handler: handles exceptions of this task before the router's.
            variables_to_fetch: variables to activate jobs with; by default the
                handler's parameter names (all variables if it takes ``**kwargs``).
            timeout_ms: how long a job belongs to this worker before Zeebe hands it on.
            max_jobs_to_activate: most jobs asked for in one activation request.
            max_running_jobs: most jobs of this task running at once.
            before: decorators run before the handler, after the router's.
            after: decorators run after the handler, before the router's.
            single_value: the return value is one variable, named ``variable_name``.
            variable_name: the variable a ``single_value`` result is stored in.
            execution: ``"auto"`` (``async def`` on the loop, ``def`` in a thread),
                ``"async"`` (on the loop), ``"thread"`` or ``"process"`` (CPU-bound work).
            auto_extend: keep extending the job's timeout while the handler runs.

        Raises:
            DuplicateTaskTypeError: the router already has a handler for ``task_type``.
            NoVariableNameGivenError: ``single_value`` is set without ``variable_name``.
            InvalidHandlerError: the handler cannot run as declared.
        """
        if isinstance(variables_to_fetch, str):
            variables_to_fetch = (variables_to_fetch,)
        fetch = tuple(variables_to_fetch) if variables_to_fetch else None

        def register(func: Callable[P, R]) -> Callable[P, R]:
            plan = analyse(func, task_type)
            if not isinstance(task_type, str) or not task_type.strip():
                raise InvalidHandlerError(
                    f"handler {plan.handler_name}: the task type must be a non-empty string, "
                    f"not {task_type!r}"
                )
            where = f"task {task_type!r} (handler {plan.handler_name})"
            if single_value and not variable_name:
                raise NoVariableNameGivenError(task_type, plan.handler_name)
            for name, value in (
                ("timeout_ms", timeout_ms),
                ("max_jobs_to_activate", max_jobs_to_activate),
                ("max_running_jobs", max_running_jobs),
            ):
                if not isinstance(value, int) or value < 1:
                    raise InvalidHandlerError(f"{where}: {name} must be >= 1, not {value!r}")
            resolve_mode(func, execution, plan)
            config = TaskConfig(
                type=task_type,
                timeout_ms=int(timeout_ms),
                max_jobs_to_activate=max_jobs_to_activate,
                max_running_jobs=int(max_running_jobs),
                variables_to_fetch=fetch if fetch is not None else plan.variables,
                single_value=single_value,
                variable_name=variable_name if single_value else None,
                execution=execution,
                auto_extend=auto_extend,
                inherited=frozenset(
                    name
                    for name, value in (
                        ("timeout_ms", timeout_ms),
                        ("max_running_jobs", max_running_jobs),
                    )
                    if isinstance(value, DefaultInt)
                ),
            )
            handlers: dict[type[BaseException], ExceptionHandler] = (
                {Exception: exception_handler} if exception_handler is not None else {}
            )
            layer = Layer(
                f"task {task_type!r}", (), tuple(before or ()), tuple(after or ()), handlers
            )
            task = Task(config, func, plan).wrapped(layer)
            existing = self._resolve().get(task_type)
            if existing is not None:
                raise DuplicateTaskTypeError(task_type, existing.handler_name, plan.handler_name)
            self._own[task_type] = task
            return func

        return register

    def include_router(self, *routers: ZeebeTaskRouter) -> None:
        """Add the tasks of ``routers`` (and of the routers they include) to this router.

        Raises:
            DuplicateTaskTypeError: a task type is already handled here.
            ConfigurationError: a router would include itself.
        """
        for router in routers:
            if router is self or self in router._descendants():
                raise ConfigurationError(
                    f"{router!r} cannot be included in {self!r}: it would include itself"
                )
            current = self._resolve()
            for task in router.tasks:
                existing = current.get(task.type)
                if existing is not None:
                    raise DuplicateTaskTypeError(
                        task.type, existing.handler_name, task.handler_name
                    )
            self._routers.append(router)

    @property
    def tasks(self) -> list[Task]:
        """Every task of this router and the routers it includes, with all their layers."""
        return list(self._resolve().values())

    def get_task(self, task_type: str) -> Task:
        """Return the task of ``task_type``.

        Raises:
            TaskNotFoundError: no handler is registered for ``task_type``.
        """
        task = self._resolve().get(task_type)
        if task is None:
            raise TaskNotFoundError(task_type)
        return task

    def remove_task(self, task_type: str) -> Task:
        """Remove the task of ``task_type`` from this router (included routers stay unchanged).

        Raises:
            TaskNotFoundError: no handler is registered for ``task_type``.
        """
        task = self.get_task(task_type)
        if self._own.pop(task_type, None) is None:
            self._hidden.add(task_type)
        return task

    # --- what the router adds around its tasks --------------------------------------

    def before(self, *decorators: TaskDecorator) -> None:
        """Add decorators run before each handler (after those already added)."""
        self._before.extend(decorators)

    def after(self, *decorators: TaskDecorator) -> None:
        """Add decorators run after each handler (after those already added)."""
        self._after.extend(decorators)

    def middleware(self, middleware: M) -> M:
        """Add ``async def mw(job, call_next)`` inside the middleware already added."""
        self._middleware.append(middleware)
        return middleware

    @overload
    def exception_handler(self, handler: ExceptionHandler, /) -> ExceptionHandler: ...

    @overload
    def exception_handler(
        self, exc_type: type[E] | tuple[type[E], ...], /
    ) -> Callable[[TypedExceptionHandler[E]], TypedExceptionHandler[E]]: ...

    def exception_handler(self, target: Any, /) -> Any:
        """Set the handler of exceptions, or of one type: ``exception_handler(ValueError)(h)``.

        The most specific type in an exception's MRO wins; the untyped handler takes the rest.

        Raises:
            ConfigurationError: the type is not an ``Exception`` subclass.
        """
        types = target if isinstance(target, tuple) else (target,)
        if all(isinstance(t, type) for t in types):
            for exc_type in types:
                if not issubclass(exc_type, Exception):
                    raise ConfigurationError(
                        f"exception handlers take Exception subclasses, not {exc_type!r}"
                    )

            def register(handler: H) -> H:
                for exc_type in types:
                    self._exception_handlers[exc_type] = handler
                return handler

            return register
        self._exception_handlers[Exception] = target
        return target

    # --- resolution --------------------------------------------------------------------

    def _layer(self) -> Layer:
        return Layer(
            type(self).__name__,
            tuple(self._middleware),
            tuple(self._before),
            tuple(self._after),
            dict(self._exception_handlers),
        )

    def _resolve(self) -> dict[str, Task]:
        layer = self._layer()
        resolved = {task_type: task.wrapped(layer) for task_type, task in self._own.items()}
        for router in self._routers:
            for task in router.tasks:
                if task.type in self._hidden:
                    continue
                existing = resolved.get(task.type)
                if existing is not None:
                    raise DuplicateTaskTypeError(
                        task.type, existing.handler_name, task.handler_name
                    )
                resolved[task.type] = task.wrapped(layer)
        return resolved

    def _descendants(self) -> list[ZeebeTaskRouter]:
        found: list[ZeebeTaskRouter] = []
        for router in self._routers:
            found.append(router)
            found.extend(router._descendants())
        return found
