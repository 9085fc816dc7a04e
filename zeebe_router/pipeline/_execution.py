"""Where a handler runs: on the event loop, in the worker's thread pool or in a process pool."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import pickle
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from zeebe_router.errors import InvalidHandlerError
from zeebe_router.pipeline._signature import CallPlan

__all__ = ["Executors", "Mode", "make_call", "resolve_mode"]

#: How a handler is called, decided at registration.
Mode: TypeAlias = Literal["coroutine", "inline", "thread", "process"]

#: Calls the handler with prepared arguments and returns its result.
HandlerCall: TypeAlias = Callable[[tuple[Any, ...], dict[str, Any]], Awaitable[Any]]

_EXECUTIONS = ("auto", "async", "thread", "process")


@dataclass
class Executors:
    """The pools a worker owns for handlers that do not run on the event loop."""

    #: Runs plain ``def`` handlers; never the loop's default executor.
    threads: concurrent.futures.Executor
    #: Returns the process pool; called the first time a ``process`` task runs.
    processes: Callable[[], concurrent.futures.Executor]


def resolve_mode(func: Callable[..., Any], execution: str, plan: CallPlan) -> Mode:
    """Decide how ``func`` runs for ``execution``.

    Raises:
        InvalidHandlerError: the execution is unknown or impossible for this handler
            (e.g. an ``async def`` in a thread, or a process handler that cannot be pickled).
    """
    where = f"task {plan.task_type!r}: handler {plan.handler_name}"
    if execution not in _EXECUTIONS:
        raise InvalidHandlerError(
            f"{where}: execution must be one of {', '.join(_EXECUTIONS)}, not {execution!r}"
        )
    if execution == "auto":
        return "coroutine" if plan.is_coroutine else "thread"
    if execution == "async":
        return "coroutine" if plan.is_coroutine else "inline"
    if plan.is_coroutine:
        raise InvalidHandlerError(
            f"{where} is async and runs on the event loop; "
            f"execution={execution!r} needs a plain def handler"
        )
    if execution == "thread":
        return "thread"
    _check_process_handler(func, plan, where)
    return "process"


def _check_process_handler(func: Callable[..., Any], plan: CallPlan, where: str) -> None:
    if plan.uses_job or plan.uses_controller:
        raise InvalidHandlerError(
            f"{where} runs in a process and cannot receive the Job or JobController; "
            f"take only variables, or use execution='thread'"
        )
    target: Any = func
    while isinstance(target, functools.partial):
        target = target.func
    if inspect.isfunction(target) or inspect.isbuiltin(target):
        qualname: str = target.__qualname__
        if "<lambda>" in qualname or "<locals>" in qualname:
            raise InvalidHandlerError(
                f"{where} cannot be pickled for execution='process': define it at module level "
                f"(not as a lambda, closure or nested function)"
            )
        return
    if inspect.ismethod(target):
        target = target.__self__
    try:
        pickle.dumps(target)
    except Exception as exc:
        raise InvalidHandlerError(
            f"{where} cannot be pickled for execution='process': {exc}"
        ) from exc


def make_call(func: Callable[..., Any], mode: Mode, executors: Executors) -> HandlerCall:
    """Return a coroutine function that calls ``func`` in the way ``mode`` says."""
    if mode == "coroutine":

        async def on_loop(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            return await func(*args, **kwargs)

        return on_loop

    if mode == "inline":

        async def inline(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            return await _settle(func(*args, **kwargs))

        return inline

    if mode == "thread":
        threads = executors.threads

        async def in_thread(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            context = contextvars.copy_context()
            call = functools.partial(context.run, func, *args, **kwargs)
            result = await asyncio.get_running_loop().run_in_executor(threads, call)
            return await _settle(result)

        return in_thread

    pool: list[concurrent.futures.Executor] = []

    async def in_process(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not pool:
            pool.append(executors.processes())
        call = functools.partial(func, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(pool[0], call)

    return in_process


async def _settle(result: Any) -> Any:
    # A plain function may still hand back an awaitable (a wrapper around async code).
    if inspect.isawaitable(result):
        return await result
    return result
