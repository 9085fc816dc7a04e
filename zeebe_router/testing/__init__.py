"""Testing tools: an embedded Zeebe gateway, a no-network job environment and pytest fixtures.

- :class:`EmbeddedGateway`: a real ``grpc.aio`` server speaking the Zeebe protocol over an
  in-memory engine, for tests, demos and local development (not for production).
- :class:`JobEnvironment`: run one task handler against a fabricated job, with no network,
  and get its outcome back.
"""

from zeebe_router.testing._embedded import EmbeddedGateway
from zeebe_router.testing._job_env import JobEnvironment, RecordedOutcome, RecordingSink, SinkCall

__all__ = ["EmbeddedGateway", "JobEnvironment", "RecordedOutcome", "RecordingSink", "SinkCall"]
