"""A handler's signature, analysed once into a plan of what each parameter receives."""

from __future__ import annotations

import abc
import dataclasses
import enum
import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import typing_extensions

from zeebe_router.controller import JobController
from zeebe_router.errors import InvalidHandlerError, JobFailure
from zeebe_router.job import Job

__all__ = ["CallPlan", "Param", "Source", "analyse", "handler_name"]

_EMPTY = inspect.Parameter.empty


class Source(enum.Enum):
    """Where a parameter's argument comes from."""

    VARIABLE = "variable"
    JOB = "job"
    CONTROLLER = "controller"
    MODEL = "model"
    ALL_VARIABLES = "all_variables"


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a handler and what it receives."""

    name: str
    source: Source
    positional: bool = False
    default: Any = _EMPTY
    model: _ModelReader | None = None


def handler_name(func: Callable[..., Any]) -> str:
    """Name a handler as ``module:qualname`` for messages."""
    target = func.func if isinstance(func, functools.partial) else func
    module = getattr(target, "__module__", None) or "?"
    qualname = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{module}:{qualname}"


class _ModelReader(abc.ABC):
    """Reads a job's variables into a dataclass, TypedDict or pydantic model."""

    def __init__(self, cls: type[Any], fields: tuple[str, ...], handler: str) -> None:
        self.cls = cls
        self.fields = fields
        self.handler = handler

    @abc.abstractmethod
    def read(self, variables: Mapping[str, Any]) -> Any:
        """Return the variables as a ``cls``; raise ``JobFailure`` when they do not fit."""

    def _reject(self, detail: str) -> JobFailure:
        return JobFailure(
            f"the variables do not fit {self.cls.__qualname__} (handler {self.handler}): {detail}"
        )


class _DataclassReader(_ModelReader):
    def __init__(self, cls: type[Any], handler: str) -> None:
        init = [f for f in dataclasses.fields(cls) if f.init]
        super().__init__(cls, tuple(f.name for f in init), handler)
        self.required = tuple(
            f.name
            for f in init
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )

    def read(self, variables: Mapping[str, Any]) -> Any:
        missing = [name for name in self.required if name not in variables]
        if missing:
            raise self._reject(f"missing variable {_names(missing)}")
        try:
            return self.cls(**{name: variables[name] for name in self.fields if name in variables})
        except (TypeError, ValueError) as exc:
            raise self._reject(str(exc)) from exc


class _TypedDictReader(_ModelReader):
    def __init__(self, cls: type[Any], handler: str) -> None:
        super().__init__(cls, tuple(typing_extensions.get_type_hints(cls)), handler)
        self.required = tuple(sorted(getattr(cls, "__required_keys__", frozenset(self.fields))))

    def read(self, variables: Mapping[str, Any]) -> Any:
        missing = [name for name in self.required if name not in variables]
        if missing:
            raise self._reject(f"missing variable {_names(missing)}")
        return {name: variables[name] for name in self.fields if name in variables}


class _PydanticReader(_ModelReader):
    def __init__(self, cls: type[Any], handler: str) -> None:
        fields = tuple(
            (info.alias or name) if isinstance(info.alias, str) else name
            for name, info in cls.model_fields.items()
        )
        super().__init__(cls, fields, handler)
        self.error_type: type[Exception] = sys.modules["pydantic"].ValidationError

    def read(self, variables: Mapping[str, Any]) -> Any:
        try:
            return self.cls.model_validate(dict(variables))
        except self.error_type as exc:
            raise self._reject(str(exc)) from exc


def _names(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


@dataclass(frozen=True, slots=True)
class CallPlan:
    """How to call one handler: which parameters are variables, the job, the controller."""

    handler_name: str
    task_type: str
    params: tuple[Param, ...]
    #: The variables the handler reads; ``None`` means every variable (``**kwargs``).
    variables: tuple[str, ...] | None
    is_coroutine: bool
    named: frozenset[str] = frozenset()

    @property
    def uses_job(self) -> bool:
        """Whether a parameter receives the :class:`~zeebe_router.job.Job`."""
        return any(p.source is Source.JOB for p in self.params)

    @property
    def uses_controller(self) -> bool:
        """Whether a parameter receives the :class:`~zeebe_router.controller.JobController`."""
        return any(p.source is Source.CONTROLLER for p in self.params)

    def bind(
        self, job: Job, controller: JobController | None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Build the handler's arguments from ``job``.

        Raises:
            JobFailure: a required variable is absent or the variables do not fit a model.
        """
        variables = job.variables
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        missing: list[str] = []
        for param in self.params:
            source = param.source
            if source is Source.VARIABLE:
                if param.name in variables:
                    value = variables[param.name]
                elif param.default is _EMPTY:
                    missing.append(param.name)
                    continue
                elif param.positional:
                    value = param.default
                else:
                    continue
            elif source is Source.JOB:
                value = job
            elif source is Source.CONTROLLER:
                value = controller
            elif source is Source.MODEL:
                assert param.model is not None
                value = param.model.read(variables)
            else:
                kwargs.update((k, v) for k, v in variables.items() if k not in self.named)
                continue
            if param.positional:
                args.append(value)
            else:
                kwargs[param.name] = value
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise JobFailure(
                f"job {job.key} of type {job.type!r} lacks the variable{plural} "
                f"{_names(missing)} required by {self.handler_name}"
            )
        return tuple(args), kwargs


def analyse(func: Callable[..., Any], task_type: str) -> CallPlan:
    """Read a handler's signature into a :class:`CallPlan`.

    Raises:
        InvalidHandlerError: ``func`` is not callable or its signature cannot be read.
    """
    name = handler_name(func)
    if not callable(func):
        raise InvalidHandlerError(f"task {task_type!r}: handler {name} is not callable")
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise InvalidHandlerError(
            f"task {task_type!r}: cannot read the signature of handler {name}: {exc}"
        ) from exc
    hints = _type_hints(func)
    params: list[Param] = []
    fetch: list[str] = []
    fetch_all = False
    for p in signature.parameters.values():
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            params.append(Param(p.name, Source.ALL_VARIABLES))
            fetch_all = True
            continue
        positional = p.kind is inspect.Parameter.POSITIONAL_ONLY
        hint = _unwrap(hints.get(p.name, p.annotation))
        source, model = _classify(hint, name)
        params.append(Param(p.name, source, positional, p.default, model))
        if source is Source.VARIABLE:
            fetch.append(p.name)
        elif model is not None:
            fetch.extend(model.fields)
    named = frozenset(p.name for p in params if p.source is not Source.ALL_VARIABLES)
    return CallPlan(
        handler_name=name,
        task_type=task_type,
        params=tuple(params),
        variables=None if fetch_all else tuple(dict.fromkeys(fetch)),
        is_coroutine=is_coroutine_function(func),
        named=named,
    )


def is_coroutine_function(func: Callable[..., Any]) -> bool:
    """Whether calling ``func`` returns a coroutine (``async def``, partials, callables)."""
    if inspect.iscoroutinefunction(func):
        return True
    if isinstance(func, functools.partial):
        return is_coroutine_function(func.func)
    call = getattr(func, "__call__", None)  # noqa: B004 - callable instances with async __call__
    return not inspect.isfunction(func) and inspect.iscoroutinefunction(call)


def _type_hints(func: Callable[..., Any]) -> dict[str, Any]:
    target: Any = func
    while isinstance(target, functools.partial):
        target = target.func
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = getattr(type(target), "__call__", target)  # noqa: B004
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:
        # An annotation names something unimportable at runtime; read each one by name.
        return {}


def _unwrap(hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(hint)[0])
    if origin is typing.Union or (sys.version_info >= (3, 10) and origin is types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return hint


def _classify(hint: Any, handler: str) -> tuple[Source, _ModelReader | None]:
    if isinstance(hint, str):
        last = hint.rsplit(".", 1)[-1].strip("'\" ")
        if last == "Job":
            return Source.JOB, None
        if last == "JobController":
            return Source.CONTROLLER, None
        return Source.VARIABLE, None
    if not isinstance(hint, type):
        return Source.VARIABLE, None
    if issubclass(hint, Job):
        return Source.JOB, None
    if issubclass(hint, JobController):
        return Source.CONTROLLER, None
    if dataclasses.is_dataclass(hint):
        return Source.MODEL, _DataclassReader(hint, handler)
    if typing_extensions.is_typeddict(hint):
        return Source.MODEL, _TypedDictReader(hint, handler)
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and issubclass(hint, pydantic.BaseModel):
        return Source.MODEL, _PydanticReader(hint, handler)
    return Source.VARIABLE, None
