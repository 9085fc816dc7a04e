"""Registering tasks: pyzeebe's keywords and defaults, nesting, and early, precise errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from zeebe_router.controller import JobController
from zeebe_router.errors import (
    ConfigurationError,
    DuplicateTaskTypeError,
    InvalidHandlerError,
    NoVariableNameGivenError,
    TaskNotFoundError,
)
from zeebe_router.job import Job
from zeebe_router.routing import Task, TaskConfig, ZeebeTaskRouter

HERE = __name__


def test_decorator_returns_the_function_unchanged() -> None:
    router = ZeebeTaskRouter()

    async def charge(amount: float) -> dict[str, float]:
        return {"charged": amount}

    assert router.task("router-unchanged")(charge) is charge


def test_defaults_follow_pyzeebe() -> None:
    router = ZeebeTaskRouter()

    @router.task("router-defaults")
    async def handler(a: int, job: Job, b: str = "x") -> None: ...

    config = router.get_task("router-defaults").config
    assert config == TaskConfig(
        type="router-defaults",
        timeout_ms=10000,
        max_jobs_to_activate=32,
        max_running_jobs=32,
        variables_to_fetch=("a", "b"),
        single_value=False,
        variable_name=None,
        execution="auto",
        auto_extend=False,
        inherited=frozenset({"timeout_ms", "max_running_jobs"}),
    )


def test_pyzeebe_positional_keywords_are_accepted() -> None:
    router = ZeebeTaskRouter()

    async def on_error(exc: Exception, job: Job, controller: JobController) -> None: ...

    @router.task("router-positional", on_error, ["x"], 500, 4, 2, [], [])
    def handler(x: int) -> None: ...

    config = router.get_task("router-positional").config
    assert (config.timeout_ms, config.max_jobs_to_activate, config.max_running_jobs) == (500, 4, 2)
    assert config.variables_to_fetch == ("x",)


def test_kwargs_fetches_all_variables() -> None:
    router = ZeebeTaskRouter()

    @router.task("router-kwargs")
    def handler(job: Job, **variables: object) -> None: ...

    assert router.get_task("router-kwargs").config.variables_to_fetch is None


def test_explicit_variables_to_fetch_win() -> None:
    router = ZeebeTaskRouter()

    @router.task("router-explicit", variables_to_fetch=["order", "customer"])
    def handler(**variables: object) -> None: ...

    assert router.get_task("router-explicit").config.variables_to_fetch == ("order", "customer")


def test_single_value_without_name_names_task_and_handler() -> None:
    router = ZeebeTaskRouter()

    def total() -> int:
        return 1

    with pytest.raises(NoVariableNameGivenError) as info:
        router.task("router-single", single_value=True)(total)  # type: ignore[call-overload]

    assert "'router-single'" in str(info.value)
    assert f"{HERE}:test_single_value_without_name_names_task_and_handler.<locals>.total" in str(
        info.value
    )


def test_duplicate_task_type_names_both_handlers() -> None:
    router = ZeebeTaskRouter()

    @router.task("router-dup")
    def first() -> None: ...

    with pytest.raises(DuplicateTaskTypeError) as info:

        @router.task("router-dup")
        def second() -> None: ...

    message = str(info.value)
    assert "'router-dup'" in message
    assert "first" in message
    assert "second" in message


def test_included_routers_nest_and_detect_duplicates() -> None:
    leaf, middle, root = ZeebeTaskRouter(), ZeebeTaskRouter(), ZeebeTaskRouter()

    @leaf.task("router-leaf")
    def leaf_task() -> None: ...

    @middle.task("router-middle")
    def middle_task() -> None: ...

    middle.include_router(leaf)
    root.include_router(middle)

    assert sorted(t.type for t in root.tasks) == ["router-leaf", "router-middle"]

    clash = ZeebeTaskRouter()

    @clash.task("router-leaf")
    def other_leaf() -> None: ...

    with pytest.raises(DuplicateTaskTypeError, match=r"leaf_task.*other_leaf"):
        root.include_router(clash)


def test_a_router_cannot_include_itself() -> None:
    a, b = ZeebeTaskRouter(), ZeebeTaskRouter()
    a.include_router(b)

    with pytest.raises(ConfigurationError):
        b.include_router(a)
    with pytest.raises(ConfigurationError):
        a.include_router(a)


def test_get_and_remove_task() -> None:
    child, root = ZeebeTaskRouter(), ZeebeTaskRouter()

    @child.task("router-remove-child")
    def from_child() -> None: ...

    @root.task("router-remove-own")
    def own() -> None: ...

    root.include_router(child)

    assert isinstance(root.get_task("router-remove-child"), Task)
    assert root.remove_task("router-remove-own").original_function is own
    assert root.remove_task("router-remove-child").original_function is from_child
    assert root.tasks == []
    assert [t.type for t in child.tasks] == ["router-remove-child"]
    with pytest.raises(TaskNotFoundError):
        root.get_task("router-remove-own")
    with pytest.raises(TaskNotFoundError):
        root.remove_task("router-remove-own")


def test_process_execution_rejects_unpicklable_handlers_by_name() -> None:
    router = ZeebeTaskRouter()

    def nested(x: int) -> int:
        return x

    with pytest.raises(InvalidHandlerError) as info:
        router.task("router-process", execution="process")(nested)

    assert "'router-process'" in str(info.value)
    assert "nested" in str(info.value)
    with pytest.raises(InvalidHandlerError, match="lambda"):
        router.task("router-process-lambda", execution="process")(lambda x: x)


def test_process_execution_rejects_job_parameters() -> None:
    router = ZeebeTaskRouter()
    with pytest.raises(InvalidHandlerError, match="Job"):
        router.task("router-process-job", execution="process")(_uses_job)


def _uses_job(job: Job) -> None: ...


def test_async_handler_cannot_run_in_a_thread() -> None:
    router = ZeebeTaskRouter()

    async def handler() -> None: ...

    with pytest.raises(InvalidHandlerError, match="router-thread"):
        router.task("router-thread", execution="thread")(handler)


@pytest.mark.parametrize(
    ("keyword", "value"),
    [("timeout_ms", 0), ("max_jobs_to_activate", -1), ("max_running_jobs", 0)],
)
def test_invalid_limits_are_rejected(keyword: str, value: int) -> None:
    router = ZeebeTaskRouter()
    decorate = router.task("router-limits", **{keyword: value})  # type: ignore[call-overload]
    with pytest.raises(InvalidHandlerError, match=keyword):
        decorate(_uses_job)


def test_typed_exception_handler_registration_rejects_non_exceptions() -> None:
    router = ZeebeTaskRouter()

    async def handler(exc: ValueError, job: Job, controller: JobController) -> None: ...

    assert router.exception_handler(ValueError)(handler) is handler
    with pytest.raises(ConfigurationError):
        router.exception_handler(KeyboardInterrupt)  # type: ignore[arg-type]


def test_middleware_registers_as_decorator() -> None:
    router = ZeebeTaskRouter()

    @router.middleware
    async def timing(job: Job, call_next: Callable[[Job], Awaitable[object]]) -> object:
        return await call_next(job)

    @router.task("router-mw")
    def handler() -> None: ...

    assert router.get_task("router-mw").layers[0].middleware == (timing,)


def test_blank_task_type_names_the_handler() -> None:
    router = ZeebeTaskRouter()

    def handler() -> None: ...

    with pytest.raises(InvalidHandlerError, match="test_blank_task_type_names_the_handler"):
        router.task("  ")(handler)
