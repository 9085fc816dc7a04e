"""The public names: curated, sorted, and a superset of what pyzeebe users import."""

from __future__ import annotations

import importlib

import pytest

import zeebe_router

PUBLIC_MODULES = [
    "zeebe_router",
    "zeebe_router.client",
    "zeebe_router.connection",
    "zeebe_router.errors",
    "zeebe_router.gateway",
    "zeebe_router.observability",
    "zeebe_router.pipeline",
    "zeebe_router.routing",
    "zeebe_router.testing",
    "zeebe_router.worker",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    # isort style, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions.
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == []


def test_every_name_pyzeebe_exports_is_exported() -> None:
    pyzeebe = pytest.importorskip("pyzeebe")
    assert [n for n in pyzeebe.__all__ if n not in zeebe_router.__all__] == []


def test_every_pyzeebe_error_name_exists() -> None:
    pyzeebe_errors = pytest.importorskip("pyzeebe.errors")
    wanted = {
        "BusinessError",
        "DuplicateTaskTypeError",
        "NoVariableNameGivenError",
        "TaskNotFoundError",
        "InvalidOAuthCredentialsError",
        "ZeebeBackPressureError",
        "ZeebeGatewayUnavailableError",
        "ZeebeInternalError",
        "ZeebeDeadlineExceeded",
        "MessageAlreadyExistsError",
        "ActivateJobsRequestInvalidError",
        "ProcessDefinitionNotFoundError",
        "ProcessInstanceNotFoundError",
        "JobNotFoundError",
        "PyZeebeError",
    }
    assert wanted <= set(pyzeebe_errors.__all__)
    assert sorted(n for n in wanted if not hasattr(zeebe_router.errors, n)) == []
