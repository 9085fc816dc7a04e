"""What a running worker reports about itself, and the connection state it tracks."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal

from zeebe_router.errors import WorkerError, ZeebeGatewayError

__all__ = ["ConnectionMonitor", "DrainReport", "StreamState", "TaskHealth", "WorkerHealth"]

_LOG = logging.getLogger("zeebe_router.worker")

#: ``streaming``: a job stream is open; ``polling-only``: streaming is off or not offered
#: by the gateway; ``reconnecting``: the stream failed and is being opened again;
#: ``stopped``: the worker no longer activates jobs.
StreamState = Literal["streaming", "polling-only", "reconnecting", "stopped"]


@dataclass(frozen=True, slots=True)
class TaskHealth:
    """One task type's activation: running handlers, free slots and its stream.

    ``in_flight + free_slots`` is the task's ``max_running_jobs``.
    """

    type: str
    in_flight: int
    free_slots: int
    stream: StreamState


@dataclass(frozen=True, slots=True)
class WorkerHealth:
    """A snapshot for liveness and readiness probes (``ZeebeWorker.health()``).

    Attributes:
        live: ``work()`` is running.
        ready: the last activation call succeeded and the worker is not stopping.
        last_activation: wall-clock time (``time.time()``) of the last successful
            activation call, or ``None`` before the first.
        tasks: one entry per task type.
    """

    live: bool
    ready: bool
    last_activation: float | None
    tasks: tuple[TaskHealth, ...]


@dataclass(frozen=True, slots=True)
class DrainReport:
    """What ``ZeebeWorker.stop()`` did.

    Attributes:
        finished: jobs whose handlers finished and were answered during the drain.
        handed_back: jobs returned to the gateway untouched (cancelled at the end of the
            grace period, or received and not started), for another worker to take.
        grace_period_expired: whether handlers were still running when it ran out.
    """

    finished: int = 0
    handed_back: int = 0
    grace_period_expired: bool = False


class ConnectionMonitor:
    """Tracks whether activation calls succeed; logs once per change of state.

    ``max_failures`` (pyzeebe's ``max_connection_retries``) bounds *consecutive* failed
    activation calls across the worker; a success resets the count; ``-1`` retries forever.
    """

    __slots__ = ("_failures", "_max_failures", "_state", "last_success")

    def __init__(self, max_failures: int = -1) -> None:
        self._max_failures = max_failures
        self._failures = 0
        self._state: Literal["connecting", "connected", "unavailable"] = "connecting"
        self.last_success: float | None = None

    @property
    def connected(self) -> bool:
        """Whether the last activation call succeeded."""
        return self._state == "connected"

    def success(self) -> None:
        """Record a successful activation call."""
        self.last_success = time.time()
        if self._state != "connected":
            if self._state == "unavailable":
                _LOG.info("gateway reachable again after %d failed calls", self._failures)
            else:
                _LOG.info("connected to the gateway")
            self._state = "connected"
            self._failures = 0

    def failure(self, exc: ZeebeGatewayError) -> None:
        """Record a failed activation call.

        Raises:
            WorkerError: when ``max_failures`` consecutive calls have failed; the worker
                stops. Check that the gateway address is right and the gateway is up, or
                pass ``max_connection_retries=-1`` to retry forever.
        """
        self._failures += 1
        if self._state != "unavailable":
            _LOG.warning("gateway unavailable (%s); retrying with back-off", exc)
            self._state = "unavailable"
        if 0 <= self._max_failures < self._failures:
            raise WorkerError(
                f"gave up after {self._failures} consecutive failed activation calls "
                f"(max_connection_retries={self._max_failures}); last error: {exc}. "
                "Check the gateway address and that it is up, or pass "
                "max_connection_retries=-1 to retry forever"
            ) from exc
