"""WorkerSettings.from_env: worker defaults from CAMUNDA_WORKER_* and CAMUNDA_TENANT_IDS."""

from __future__ import annotations

import dataclasses

import pytest

from zeebe_router.errors import ConfigurationError
from zeebe_router.settings import WorkerSettings


def test_unset_variables_leave_every_default_alone() -> None:
    assert WorkerSettings.from_env({}) == WorkerSettings()
    assert WorkerSettings.from_env({"CAMUNDA_WORKER_NAME": "  ", "CAMUNDA_TENANT_IDS": ""}) == (
        WorkerSettings()
    )


def test_every_variable_is_read() -> None:
    settings = WorkerSettings.from_env(
        {
            "CAMUNDA_WORKER_NAME": "orders-1",
            "CAMUNDA_WORKER_TIMEOUT": "45000",
            "CAMUNDA_WORKER_MAX_CONCURRENT_JOBS": "64",
            "CAMUNDA_WORKER_REQUEST_TIMEOUT": "20s",
            "CAMUNDA_WORKER_STARTUP_JITTER_MAX_SECONDS": "2.5",
            "CAMUNDA_TENANT_IDS": "tenant-a, tenant-b",
        }
    )
    assert settings == WorkerSettings(
        name="orders-1",
        timeout_ms=45_000,
        max_running_jobs=64,
        request_timeout_ms=20_000,
        startup_jitter_max_s=2.5,
        tenant_ids=("tenant-a", "tenant-b"),
    )


@pytest.mark.parametrize(
    ("text", "millis"),
    [
        ("300000", 300_000),
        ("500ms", 500),
        ("1.5s", 1500),
        ("5m", 300_000),
        ("1h", 3_600_000),
        ("PT30S", 30_000),
        ("pt1m30s", 90_000),
    ],
)
def test_durations_accept_units(text: str, millis: int) -> None:
    assert WorkerSettings.from_env({"CAMUNDA_WORKER_TIMEOUT": text}).timeout_ms == millis


def test_a_negative_request_timeout_disables_long_polling() -> None:
    env = {"CAMUNDA_WORKER_REQUEST_TIMEOUT": "-1"}
    assert WorkerSettings.from_env(env).request_timeout_ms == -1


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        WorkerSettings().name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CAMUNDA_WORKER_TIMEOUT", "soon"),
        ("CAMUNDA_WORKER_TIMEOUT", "0"),
        ("CAMUNDA_WORKER_TIMEOUT", "P1D"),
        ("CAMUNDA_WORKER_MAX_CONCURRENT_JOBS", "0"),
        ("CAMUNDA_WORKER_MAX_CONCURRENT_JOBS", "ten"),
        ("CAMUNDA_WORKER_REQUEST_TIMEOUT", "-5"),
        ("CAMUNDA_WORKER_STARTUP_JITTER_MAX_SECONDS", "-1"),
        ("CAMUNDA_WORKER_STARTUP_JITTER_MAX_SECONDS", "nan"),
        ("CAMUNDA_TENANT_IDS", "a,,b"),
    ],
)
def test_invalid_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        WorkerSettings.from_env({name: value})
