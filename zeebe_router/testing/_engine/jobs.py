"""Jobs: the activatable backlog, activation with deadlines, and push to open streams."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from zeebe_router.testing._clock import Clock, Timer
from zeebe_router.testing._engine.rejection import Rejection

__all__ = [
    "Activation",
    "JobBoard",
    "JobQuery",
    "JobRecord",
    "JobState",
    "JobStream",
    "Poller",
    "ProcessLink",
]

_INT64_MAX = 2**63 - 1


class JobState(str, Enum):
    """Where a job is in its life."""

    ACTIVATABLE = "activatable"
    ACTIVATED = "activated"
    RETRY_BACKOFF = "retry_backoff"  # failed with retries left, hidden until the back-off ends
    FAILED = "failed"  # out of retries: an incident is open
    ERROR_THROWN = "error_thrown"
    COMPLETED = "completed"
    CANCELED = "canceled"


#: States a worker's answer ends in: the job keeps the name of the worker that answered.
_ANSWERED = frozenset({JobState.FAILED, JobState.ERROR_THROWN, JobState.COMPLETED})


@dataclass(frozen=True)
class ProcessLink:
    """The process element a job belongs to."""

    process_instance_key: int
    bpmn_process_id: str
    version: int
    process_definition_key: int
    element_id: str
    element_instance_key: int


@dataclass(eq=False)
class JobRecord:
    """One job and its bookkeeping."""

    key: int
    type: str
    tenant_id: str
    retries: int
    custom_headers: dict[str, str]
    variables: dict[str, Any]  # the job's own variables when it has no process
    process: ProcessLink | None
    state: JobState = JobState.ACTIVATABLE
    worker: str = ""
    deadline: int = 0
    error_message: str = ""
    error_code: str = ""
    activations: int = 0
    answers: int = 0
    incident_key: int | None = None
    epoch: int = 0  # bumped on every activation, so stale timers and yields are ignored
    timer: Timer | None = field(default=None, repr=False)  # deadline or end of back-off


@dataclass(frozen=True)
class JobQuery:
    """What a worker asks for: jobs of one type, for some tenants, locked for a while."""

    type: str
    worker: str
    timeout_ms: int
    fetch_variables: tuple[str, ...]
    tenant_ids: tuple[str, ...]


@dataclass(frozen=True)
class Activation:
    """A job as handed to one worker: its record, the variables it fetched, its deadline."""

    job: JobRecord
    variables: Mapping[str, Any]
    deadline: int
    worker: str
    retries: int
    epoch: int


@dataclass(eq=False)
class Poller:
    """A long-polling ActivateJobs request waiting for jobs."""

    query: JobQuery
    remaining: int
    activations: list[Activation] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(eq=False)
class JobStream:
    """An open StreamActivatedJobs call; ``deliver`` hands it one activated job at a time."""

    query: JobQuery
    deliver: Callable[[Activation], None]
    ready: bool = True


class JobBoard:
    """Holds every job, the activatable backlog per type and tenant, pollers and streams.

    Making a job activatable offers it to a ready stream of its type first (round-robin),
    then to a waiting poller, and only then puts it in the backlog, in arrival order.
    """

    def __init__(
        self,
        clock: Clock,
        variables_of: Callable[[JobRecord], Mapping[str, Any]],
        on_change: Callable[[JobRecord], None],
        on_streams_change: Callable[[], None],
    ) -> None:
        self._clock = clock
        self._variables_of = variables_of
        self._on_change = on_change
        self._on_streams_change = on_streams_change
        self.jobs: dict[int, JobRecord] = {}
        self._backlog: dict[tuple[str, str], OrderedDict[int, JobRecord]] = {}
        self._streams: dict[str, list[JobStream]] = {}
        self._next_stream: dict[str, int] = {}
        self._pollers: dict[str, list[Poller]] = {}
        #: Set when the gateway stops: long polls no longer wait, new streams are refused.
        self.stopping = False

    # -- lifecycle of a job -------------------------------------------------------------------

    def add(self, job: JobRecord) -> None:
        """Register a new job and make it activatable."""
        self.jobs[job.key] = job
        self.make_activatable(job)

    def make_activatable(self, job: JobRecord) -> None:
        """Offer ``job`` to streams and pollers, else put it in the backlog."""
        self._stop_timer(job)
        job.state = JobState.ACTIVATABLE
        job.worker = ""
        job.deadline = 0
        if not self._push(job):
            self._backlog.setdefault((job.type, job.tenant_id), OrderedDict())[job.key] = job
        self._on_change(job)

    def set_state(self, job: JobRecord, state: JobState) -> None:
        """Move ``job`` to a state in which it cannot be activated."""
        self._unlist(job)
        self._stop_timer(job)
        job.state = state
        if state is not JobState.ACTIVATED:
            job.deadline = 0
            if state not in _ANSWERED:
                job.worker = ""
        self._on_change(job)

    def back_off(self, job: JobRecord, backoff_ms: int) -> None:
        """Hide ``job`` until ``backoff_ms`` has passed, then make it activatable again."""
        self.set_state(job, JobState.RETRY_BACKOFF)
        epoch = job.epoch

        def due() -> None:
            if job.state is JobState.RETRY_BACKOFF and job.epoch == epoch:
                self.make_activatable(job)

        job.timer = self._clock.call_at(self._clock.now_ms() + backoff_ms, due)

    def extend(self, job: JobRecord, timeout_ms: int) -> None:
        """Set the deadline of an activated job to ``timeout_ms`` from now."""
        job.epoch += 1
        self._arm_deadline(job, timeout_ms)
        self._on_change(job)

    def yield_back(self, activation: Activation) -> None:
        """Return a job whose activation never reached its worker."""
        job = activation.job
        if job.state is JobState.ACTIVATED and job.epoch == activation.epoch:
            self.make_activatable(job)

    def require(self, key: int, rpc: str) -> JobRecord:
        """The live job with ``key``.

        Raises:
            Rejection: NOT_FOUND when there is no such job or it was completed or cancelled.
        """
        job = self.jobs.get(key)
        if job is None or job.state in (JobState.COMPLETED, JobState.CANCELED):
            raise Rejection.not_found(
                f"Command '{rpc}' rejected: expected to find a job with key '{key}', "
                "but no such job was found (it may have been completed or cancelled)"
            )
        return job

    # -- activation ---------------------------------------------------------------------------

    def activate_backlog(self, query: JobQuery, limit: int) -> list[Activation]:
        """Activate up to ``limit`` backlogged jobs matching ``query``, oldest first."""
        taken: list[Activation] = []
        for tenant in query.tenant_ids:
            queue = self._backlog.get((query.type, tenant))
            while queue and len(taken) < limit:
                _, job = queue.popitem(last=False)
                taken.append(self._activate(job, query))
            if len(taken) >= limit:
                break
        return taken

    def add_poller(self, poller: Poller) -> None:
        """Let ``poller`` receive jobs as they become activatable."""
        self._pollers.setdefault(poller.query.type, []).append(poller)

    def remove_poller(self, poller: Poller) -> None:
        """Stop offering jobs to ``poller``."""
        pollers = self._pollers.get(poller.query.type, [])
        if poller in pollers:
            pollers.remove(poller)

    def release_pollers(self) -> None:
        """Answer every waiting long poll now, and every later one at once."""
        self.stopping = True
        for pollers in self._pollers.values():
            for poller in pollers:
                poller.arrived.set()
            pollers.clear()

    def add_stream(self, stream: JobStream) -> None:
        """Push new activatable jobs of the stream's type to ``stream``."""
        self._streams.setdefault(stream.query.type, []).append(stream)
        self._on_streams_change()

    def remove_stream(self, stream: JobStream) -> None:
        """Stop pushing jobs to ``stream``."""
        streams = self._streams.get(stream.query.type, [])
        if stream in streams:
            streams.remove(stream)
            self._on_streams_change()

    def streams(self) -> Iterator[JobStream]:
        """Every open stream."""
        for streams in self._streams.values():
            yield from streams

    def stream_ready(self, stream: JobStream) -> None:
        """Mark ``stream`` ready for its next job: its previous write completed."""
        stream.ready = True
        self._on_streams_change()

    def _push(self, job: JobRecord) -> bool:
        streams = self._streams.get(job.type)
        if streams:
            count = len(streams)
            start = self._next_stream.get(job.type, 0) % count
            for offset in range(count):
                stream = streams[(start + offset) % count]
                if stream.ready and job.tenant_id in stream.query.tenant_ids:
                    self._next_stream[job.type] = start + offset + 1
                    stream.ready = False
                    stream.deliver(self._activate(job, stream.query))
                    return True
        pollers = self._pollers.get(job.type)
        if pollers:
            for poller in pollers:
                if job.tenant_id in poller.query.tenant_ids:
                    poller.activations.append(self._activate(job, poller.query))
                    poller.remaining -= 1
                    if poller.remaining <= 0:
                        pollers.remove(poller)
                    poller.arrived.set()
                    return True
        return False

    def _activate(self, job: JobRecord, query: JobQuery) -> Activation:
        job.state = JobState.ACTIVATED
        job.worker = query.worker
        job.activations += 1
        job.epoch += 1
        self._arm_deadline(job, query.timeout_ms)
        variables = self._variables_of(job)
        if query.fetch_variables:
            variables = {k: variables[k] for k in query.fetch_variables if k in variables}
        self._on_change(job)
        return Activation(job, variables, job.deadline, job.worker, job.retries, job.epoch)

    def _arm_deadline(self, job: JobRecord, timeout_ms: int) -> None:
        self._stop_timer(job)
        job.deadline = min(self._clock.now_ms() + timeout_ms, _INT64_MAX)
        epoch = job.epoch

        def expire() -> None:
            if job.state is JobState.ACTIVATED and job.epoch == epoch:
                self.make_activatable(job)

        job.timer = self._clock.call_at(job.deadline, expire)

    @staticmethod
    def _stop_timer(job: JobRecord) -> None:
        if job.timer is not None:
            job.timer.cancel()
            job.timer = None

    def _unlist(self, job: JobRecord) -> None:
        if job.state is JobState.ACTIVATABLE:
            queue = self._backlog.get((job.type, job.tenant_id))
            if queue is not None:
                queue.pop(job.key, None)

    def by_type(self, job_type: str | None) -> Iterable[JobRecord]:
        """Every job, or those of one type, in creation order."""
        if job_type is None:
            return list(self.jobs.values())
        return [job for job in self.jobs.values() if job.type == job_type]
