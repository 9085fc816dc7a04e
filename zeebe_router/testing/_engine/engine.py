"""The in-memory engine: jobs, incidents and (through :mod:`.processes`) process instances.

Every method runs synchronously on the event loop that serves the gateway, so commands never
interleave and need no locks.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from zeebe_router.testing._clock import Clock
from zeebe_router.testing._engine.jobs import (
    Activation,
    JobBoard,
    JobQuery,
    JobRecord,
    JobState,
    Poller,
    ProcessLink,
)
from zeebe_router.testing._engine.rejection import Rejection
from zeebe_router.testing._engine.snapshots import IncidentSnapshot, JobSnapshot
from zeebe_router.testing._engine.watch import Watchers

__all__ = ["DEFAULT_TENANT", "Engine", "Incident", "ProcessHooks"]

DEFAULT_TENANT = "<default>"
# Keys of partition 1, as a one-partition broker hands them out.
_FIRST_KEY = (1 << 51) + 1

log = logging.getLogger("zeebe_router.testing.gateway")


@dataclass(eq=False)
class Incident:
    """An open or resolved incident."""

    key: int
    type: str
    message: str
    element_id: str | None = None
    job_key: int | None = None
    process_instance_key: int | None = None
    element_instance_key: int | None = None
    state: str = "ACTIVE"

    def snapshot(self) -> IncidentSnapshot:
        """A read-only copy."""
        return IncidentSnapshot(
            self.key,
            self.type,
            self.message,
            self.element_id,
            self.job_key,
            self.process_instance_key,
            self.element_instance_key,
            self.state,
        )


class ProcessHooks(Protocol):
    """What the job engine asks of the process runtime for jobs that belong to a process."""

    def variables_of(self, job: JobRecord) -> Mapping[str, Any]:
        """The variables a process job sees."""

    def job_completed(self, job: JobRecord, variables: Mapping[str, Any]) -> None:
        """Continue the instance after the job's task completed with ``variables``."""

    def job_failed(self, job: JobRecord, variables: Mapping[str, Any]) -> None:
        """Set the failure's ``variables`` at the task's local scope."""

    def error_thrown(
        self, job: JobRecord, code: str, message: str, variables: Mapping[str, Any]
    ) -> bool:
        """Let a boundary event catch the error; False when nothing catches it."""

    def incident_raised(self, incident: Incident) -> None:
        """Note an incident of an instance."""

    def incident_resolved(self, incident: Incident) -> None:
        """Retry what raised a non-job incident."""


@dataclass(eq=False)
class _JobMatch:
    predicate: Callable[[JobSnapshot], bool]
    matched: dict[int, JobSnapshot] = field(default_factory=dict)


class Engine:
    """Jobs, incidents, keys and waiters shared by the gateway servicer and the test API."""

    def __init__(self, clock: Clock, history_limit: int | None = None) -> None:
        self.clock = clock
        self.history_limit = history_limit
        self._finished: deque[int] = deque()
        self._keys = itertools.count(_FIRST_KEY)
        self.watchers = Watchers()
        self._job_matches: list[_JobMatch] = []
        self.board = JobBoard(clock, self._variables_of, self._job_changed, self.watchers.changed)
        self.incidents: dict[int, Incident] = {}
        self.hooks: ProcessHooks | None = None

    def next_key(self) -> int:
        """A new unique key."""
        return next(self._keys)

    # -- jobs ---------------------------------------------------------------------------------

    def create_job(
        self,
        job_type: str,
        *,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retries: int = 3,
        tenant_id: str = DEFAULT_TENANT,
        process: ProcessLink | None = None,
    ) -> JobRecord:
        """Create an activatable job.

        Raises:
            ValueError: the type is empty or retries < 1.
        """
        if not job_type:
            raise ValueError("a job needs a non-empty type")
        if retries < 1:
            raise ValueError(f"a job needs at least one retry, got retries={retries}")
        job = JobRecord(
            key=self.next_key(),
            type=job_type,
            tenant_id=tenant_id,
            retries=retries,
            custom_headers=dict(headers or {}),
            variables=dict(variables or {}),
            process=process,
        )
        self.board.add(job)
        return job

    def activate(self, query: JobQuery, limit: int) -> list[Activation]:
        """Activate up to ``limit`` backlogged jobs for ``query`` at once."""
        return self.board.activate_backlog(query, limit)

    async def poll(self, query: JobQuery, limit: int, wait_s: float | None) -> list[Activation]:
        """Activate jobs, waiting up to ``wait_s`` seconds (None: do not wait) for the first."""
        taken = self.board.activate_backlog(query, limit)
        if taken or wait_s is None or self.board.stopping:
            return taken
        poller = Poller(query, limit)
        self.board.add_poller(poller)
        try:
            await asyncio.wait_for(poller.arrived.wait(), wait_s)
        except asyncio.TimeoutError:
            pass
        except BaseException:
            self.board.remove_poller(poller)
            for activation in poller.activations:
                self.board.yield_back(activation)
            raise
        self.board.remove_poller(poller)
        taken = poller.activations
        if len(taken) < limit:
            taken.extend(self.board.activate_backlog(query, limit - len(taken)))
        return taken

    def complete_job(self, key: int, variables: Mapping[str, Any]) -> JobRecord:
        """Complete a job; a process job's task then completes and the instance moves on.

        Raises:
            Rejection: NOT_FOUND (no live job), INVALID_STATE (failed, or its error is
                unhandled: resolve the incident first, or backing off before a retry).
        """
        job = self._answerable(key, "CompleteJob", (JobState.ACTIVATED, JobState.ACTIVATABLE))
        job.answers += 1
        if job.process is None:
            job.variables.update(variables)
        self.board.set_state(job, JobState.COMPLETED)
        if job.process is not None and self.hooks is not None:
            self.hooks.job_completed(job, variables)
        self.retire(job)
        return job

    def fail_job(
        self,
        key: int,
        *,
        retries: int,
        message: str,
        backoff_ms: int,
        variables: Mapping[str, Any],
    ) -> JobRecord:
        """Fail an activated job; retries <= 0 raises an incident.

        Raises:
            Rejection: NOT_FOUND, or INVALID_STATE when the job is not activated.
        """
        job = self._answerable(key, "FailJob", (JobState.ACTIVATED,))
        job.answers += 1
        job.retries = retries
        job.error_message = message
        if job.process is None:
            job.variables.update(variables)
        elif self.hooks is not None and variables:
            self.hooks.job_failed(job, variables)
        if retries > 0:
            if backoff_ms > 0:
                self.board.back_off(job, backoff_ms)
            else:
                self.board.make_activatable(job)
        else:
            self.board.set_state(job, JobState.FAILED)
            self._job_incident(job, "JOB_NO_RETRIES", message or "No more retries left.")
        return job

    def throw_error(
        self, key: int, *, code: str, message: str, variables: Mapping[str, Any]
    ) -> JobRecord:
        """Throw a BPMN error from a job: a boundary event catches it, else an incident.

        Raises:
            Rejection: NOT_FOUND, or INVALID_STATE when the job cannot be answered now.
        """
        job = self._answerable(key, "ThrowError", (JobState.ACTIVATED, JobState.ACTIVATABLE))
        job.answers += 1
        job.error_code = code
        job.error_message = message
        self.board.set_state(job, JobState.ERROR_THROWN)
        caught = False
        if job.process is not None and self.hooks is not None:
            caught = self.hooks.error_thrown(job, code, message, variables)
        if caught:
            self.retire(job)
        else:
            where = "" if job.process is None else f" in element '{job.process.element_id}'"
            self._job_incident(
                job,
                "UNHANDLED_ERROR_EVENT",
                f"Expected to throw an error event with the code '{code}' with message "
                f"'{message}'{where}, but it was not caught. No error events are available "
                "in the scope.",
            )
        return job

    def update_job_timeout(self, key: int, timeout_ms: int) -> JobRecord:
        """Set an activated job's deadline to ``timeout_ms`` from now.

        Raises:
            Rejection: NOT_FOUND, or INVALID_STATE when the job is not activated.
        """
        job = self.board.require(key, "UpdateJobTimeout")
        self._caught_error_is_gone(job, "UpdateJobTimeout")
        if job.state is not JobState.ACTIVATED:
            raise Rejection.invalid_state(
                f"Command 'UpdateJobTimeout' rejected: expected job with key '{key}' to be "
                f"activated, but it is in state '{job.state.value}'"
            )
        self.board.extend(job, timeout_ms)
        return job

    def update_job_retries(self, key: int, retries: int) -> JobRecord:
        """Set a job's retries (resolve its incident afterwards to activate it again).

        Raises:
            Rejection: NOT_FOUND.
        """
        job = self.board.require(key, "UpdateJobRetries")
        self._caught_error_is_gone(job, "UpdateJobRetries")
        job.retries = retries
        self._job_changed(job)
        return job

    def retire(self, job: JobRecord) -> None:
        """Note a finished job; beyond ``history_limit`` finished jobs, forget the oldest."""
        if self.history_limit is None:
            return
        self._finished.append(job.key)
        while len(self._finished) > self.history_limit:
            self.board.jobs.pop(self._finished.popleft(), None)

    def _answerable(self, key: int, rpc: str, states: tuple[JobState, ...]) -> JobRecord:
        job = self.board.require(key, rpc)
        self._caught_error_is_gone(job, rpc)
        if job.state not in states:
            why = {
                JobState.FAILED: "it failed with no retries left; update its retries and "
                "resolve its incident first",
                JobState.ERROR_THROWN: "its error was not caught; resolve its incident first",
                JobState.RETRY_BACKOFF: "it failed and waits for its retry back-off to pass",
                JobState.ACTIVATABLE: "it is not activated",
            }.get(job.state, "")
            raise Rejection.invalid_state(
                f"Command '{rpc}' rejected: expected job with key '{key}' to be "
                f"{' or '.join(s.value for s in states)}, but it is in state "
                f"'{job.state.value}'" + (f": {why}" if why else "")
            )
        return job

    @staticmethod
    def _caught_error_is_gone(job: JobRecord, rpc: str) -> None:
        if job.state is JobState.ERROR_THROWN and job.incident_key is None:
            raise Rejection.not_found(
                f"Command '{rpc}' rejected: expected to find a job with key '{job.key}', "
                "but its error was caught and the job no longer exists"
            )

    # -- incidents ----------------------------------------------------------------------------

    def raise_incident(
        self,
        incident_type: str,
        message: str,
        *,
        element_id: str | None = None,
        job_key: int | None = None,
        process_instance_key: int | None = None,
        element_instance_key: int | None = None,
    ) -> Incident:
        """Open an incident."""
        incident = Incident(
            self.next_key(),
            incident_type,
            message,
            element_id,
            job_key,
            process_instance_key,
            element_instance_key,
        )
        self.incidents[incident.key] = incident
        where = f" in instance {process_instance_key}" if process_instance_key else ""
        log.info("incident %s %s%s: %s", incident.key, incident_type, where, message)
        if process_instance_key is not None and self.hooks is not None:
            self.hooks.incident_raised(incident)
        self.watchers.changed()
        return incident

    def resolve_incident(self, key: int) -> Incident:
        """Resolve an incident: its job becomes activatable again if it has retries.

        Raises:
            Rejection: NOT_FOUND when no open incident has this key.
        """
        incident = self.incidents.get(key)
        if incident is None or incident.state != "ACTIVE":
            raise Rejection.not_found(
                f"Command 'ResolveIncident' rejected: expected to resolve incident with key "
                f"'{key}', but no such incident was found"
            )
        incident.state = "RESOLVED"
        if incident.job_key is not None:
            job = self.board.jobs[incident.job_key]
            job.incident_key = None
            if job.state is JobState.FAILED and job.retries <= 0:
                self._job_incident(job, "JOB_NO_RETRIES", job.error_message or "No retries.")
            elif job.state in (JobState.FAILED, JobState.ERROR_THROWN):
                self.board.make_activatable(job)
        elif self.hooks is not None:
            self.hooks.incident_resolved(incident)
        self.watchers.changed()
        return incident

    def _job_incident(self, job: JobRecord, incident_type: str, message: str) -> None:
        link = job.process
        incident = self.raise_incident(
            incident_type,
            message,
            element_id=link.element_id if link else None,
            job_key=job.key,
            process_instance_key=link.process_instance_key if link else None,
            element_instance_key=link.element_instance_key if link else None,
        )
        job.incident_key = incident.key
        self._job_changed(job)

    # -- inspection ---------------------------------------------------------------------------

    def job_snapshot(self, job: JobRecord) -> JobSnapshot:
        """A read-only copy of ``job``."""
        link = job.process
        return JobSnapshot(
            key=job.key,
            type=job.type,
            state=job.state.value,
            retries=job.retries,
            worker=job.worker,
            deadline=job.deadline,
            variables=dict(self._variables_of(job)),
            custom_headers=dict(job.custom_headers),
            error_message=job.error_message,
            error_code=job.error_code,
            activations=job.activations,
            answers=job.answers,
            tenant_id=job.tenant_id,
            process_instance_key=link.process_instance_key if link else None,
            element_id=link.element_id if link else None,
            incident_key=job.incident_key,
        )

    async def wait_for_jobs(
        self, predicate: Callable[[JobSnapshot], bool], count: int, timeout: float
    ) -> list[JobSnapshot]:
        """Wait until at least ``count`` jobs satisfy ``predicate``; return those jobs."""
        match = _JobMatch(predicate)
        for job in self.board.jobs.values():
            snapshot = self.job_snapshot(job)
            if predicate(snapshot):
                match.matched[job.key] = snapshot
        self._job_matches.append(match)

        def check() -> list[JobSnapshot] | None:
            return list(match.matched.values()) if len(match.matched) >= count else None

        try:
            return await self.watchers.wait(check, timeout, f"{count} matching job(s)")
        finally:
            self._job_matches.remove(match)

    def _variables_of(self, job: JobRecord) -> Mapping[str, Any]:
        if job.process is None or self.hooks is None:
            return job.variables
        return self.hooks.variables_of(job)

    def _job_changed(self, job: JobRecord) -> None:
        if self._job_matches:
            snapshot = self.job_snapshot(job)
            for match in self._job_matches:
                if match.predicate(snapshot):
                    match.matched[job.key] = snapshot
                else:
                    match.matched.pop(job.key, None)
        self.watchers.changed()
