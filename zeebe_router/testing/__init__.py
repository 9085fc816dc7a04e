"""Testing tools: an embedded Zeebe gateway, a no-network job environment and pytest fixtures.

- :class:`EmbeddedGateway`: a real ``grpc.aio`` server speaking the Zeebe protocol over an
  in-memory engine, for tests, demos and local development (not for production), with
  snapshots of its jobs, instances and incidents.
- :class:`JobEnvironment`: run one task handler against a fabricated job, with no network,
  and get its outcome back.
- ``zeebe_router.testing.pytest_plugin``: the fixtures ``zeebe_gateway``,
  ``zeebe_channel``, ``zeebe_worker`` and ``job_env`` (registered automatically).
"""

from zeebe_router.testing._embedded import EmbeddedGateway
from zeebe_router.testing._engine.snapshots import (
    DeployedProcess,
    IncidentSnapshot,
    InstanceSnapshot,
    JobSnapshot,
    StreamSnapshot,
)
from zeebe_router.testing._job_env import JobEnvironment, RecordedOutcome, RecordingSink, SinkCall

__all__ = [
    "DeployedProcess",
    "EmbeddedGateway",
    "IncidentSnapshot",
    "InstanceSnapshot",
    "JobEnvironment",
    "JobSnapshot",
    "RecordedOutcome",
    "RecordingSink",
    "SinkCall",
    "StreamSnapshot",
]
