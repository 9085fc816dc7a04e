"""Worker defaults from the environment (``CAMUNDA_WORKER_*``, ``CAMUNDA_TENANT_IDS``).

A field left ``None`` means "not set: keep the code's own default". Durations are
milliseconds (``30000``), or a number with a unit (``500ms``, ``30s``, ``5m``, ``1h``), or
an ISO-8601 duration (``PT30S``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from zeebe_router.connection._env import environ
from zeebe_router.errors import ConfigurationError

__all__ = ["WorkerSettings"]

_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
_WITH_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h)", re.IGNORECASE)
_ISO = re.compile(
    r"PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?", re.IGNORECASE
)


@dataclass(frozen=True)
class WorkerSettings:
    """Defaults a worker applies to every task that does not set its own.

    Attributes:
        name: the worker name reported to the gateway (``CAMUNDA_WORKER_NAME``).
        timeout_ms: how long an activated job stays reserved (``CAMUNDA_WORKER_TIMEOUT``).
        max_running_jobs: jobs in flight per task (``CAMUNDA_WORKER_MAX_CONCURRENT_JOBS``).
        request_timeout_ms: long-poll duration of ``ActivateJobs``
            (``CAMUNDA_WORKER_REQUEST_TIMEOUT``).
        startup_jitter_max_s: upper bound of the random delay before the first activation
            (``CAMUNDA_WORKER_STARTUP_JITTER_MAX_SECONDS``).
        tenant_ids: tenants to activate jobs for (``CAMUNDA_TENANT_IDS``, comma-separated).
    """

    name: str | None = None
    timeout_ms: int | None = None
    max_running_jobs: int | None = None
    request_timeout_ms: int | None = None
    startup_jitter_max_s: float | None = None
    tenant_ids: tuple[str, ...] | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WorkerSettings:
        """Read the settings from ``env`` (default ``os.environ``); empty values count as unset.

        Raises:
            ConfigurationError: a value cannot be used; the message names the variable.
        """
        values = environ(env)

        def get(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        name = get("CAMUNDA_WORKER_NAME")
        timeout = get("CAMUNDA_WORKER_TIMEOUT")
        max_jobs = get("CAMUNDA_WORKER_MAX_CONCURRENT_JOBS")
        request_timeout = get("CAMUNDA_WORKER_REQUEST_TIMEOUT")
        jitter = get("CAMUNDA_WORKER_STARTUP_JITTER_MAX_SECONDS")
        tenants = get("CAMUNDA_TENANT_IDS")
        return cls(
            name=name,
            timeout_ms=None
            if timeout is None
            else _duration_ms("CAMUNDA_WORKER_TIMEOUT", timeout, minimum=1),
            max_running_jobs=None
            if max_jobs is None
            else _integer("CAMUNDA_WORKER_MAX_CONCURRENT_JOBS", max_jobs, minimum=1),
            request_timeout_ms=None
            if request_timeout is None
            else _duration_ms("CAMUNDA_WORKER_REQUEST_TIMEOUT", request_timeout, minimum=-1),
            startup_jitter_max_s=None
            if jitter is None
            else _seconds("CAMUNDA_WORKER_STARTUP_JITTER_MAX_SECONDS", jitter),
            tenant_ids=None if tenants is None else _tenants("CAMUNDA_TENANT_IDS", tenants),
        )


def _integer(name: str, value: str, *, minimum: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(f"{name}={value!r} is not a whole number") from None
    if number < minimum:
        raise ConfigurationError(f"{name}={value!r} must be at least {minimum}")
    return number


def _duration_ms(name: str, value: str, *, minimum: int) -> int:
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return _integer(name, text, minimum=minimum)
    millis: float | None = None
    if match := _WITH_UNIT.fullmatch(text):
        millis = float(match[1]) * _UNIT_MS[match[2].lower()]
    elif (match := _ISO.fullmatch(text)) and any(match.groups()):
        hours, minutes, seconds = (float(part or 0) for part in match.groups())
        millis = (hours * 3600 + minutes * 60 + seconds) * 1000
    if millis is None:
        raise ConfigurationError(
            f"{name}={value!r} is not a duration; give milliseconds (30000), "
            "a number with a unit (30s, 5m) or ISO-8601 (PT30S)"
        )
    if millis < max(minimum, 0):
        raise ConfigurationError(f"{name}={value!r} must be at least {minimum} ms")
    return round(millis)


def _seconds(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigurationError(f"{name}={value!r} is not a number of seconds") from None
    if not 0 <= number < float("inf"):
        raise ConfigurationError(f"{name}={value!r} must be a finite number >= 0")
    return number


def _tenants(name: str, value: str) -> tuple[str, ...]:
    tenants = tuple(part.strip() for part in value.split(","))
    if not all(tenants):
        raise ConfigurationError(f"{name}={value!r} has an empty tenant id between commas")
    return tenants
