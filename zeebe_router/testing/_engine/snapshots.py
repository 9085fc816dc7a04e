"""Read-only views of engine state handed to tests: jobs, instances, incidents, processes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DeployedProcess",
    "IncidentSnapshot",
    "InstanceSnapshot",
    "JobSnapshot",
    "StreamSnapshot",
]


@dataclass(frozen=True)
class JobSnapshot:
    """A job as the engine sees it at one moment.

    ``state`` is one of ``activatable``, ``activated``, ``retry_backoff``, ``failed`` (out of
    retries, incident open), ``error_thrown``, ``completed``, ``canceled``. ``activations``
    counts how often it was handed to a worker, ``answers`` how often a worker completed,
    failed or threw an error for it successfully. ``worker`` names the worker holding the
    job, or the one whose answer completed it, failed it out of retries or threw an error.
    """

    key: int
    type: str
    state: str
    retries: int
    worker: str
    deadline: int
    variables: Mapping[str, Any]
    custom_headers: Mapping[str, str]
    error_message: str
    error_code: str
    activations: int
    answers: int
    tenant_id: str
    process_instance_key: int | None
    element_id: str | None
    incident_key: int | None


@dataclass(frozen=True)
class IncidentSnapshot:
    """An incident: why an instance (or a job) is stuck until someone resolves it."""

    key: int
    type: str
    message: str
    element_id: str | None
    job_key: int | None
    process_instance_key: int | None
    element_instance_key: int | None
    state: str  # "ACTIVE" or "RESOLVED"


@dataclass(frozen=True)
class InstanceSnapshot:
    """A process instance: ``state`` is ACTIVE, COMPLETED or TERMINATED."""

    key: int
    bpmn_process_id: str
    version: int
    process_definition_key: int
    state: str
    variables: Mapping[str, Any]
    visited: tuple[str, ...]
    incidents: tuple[IncidentSnapshot, ...]


@dataclass(frozen=True)
class DeployedProcess:
    """A deployed process definition."""

    bpmn_process_id: str
    version: int
    process_definition_key: int
    resource_name: str
    tenant_id: str


@dataclass(frozen=True)
class StreamSnapshot:
    """An open job stream; ``ready`` is False while a job is being written to it."""

    type: str
    worker: str
    tenant_ids: tuple[str, ...]
    ready: bool
