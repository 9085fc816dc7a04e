"""EmbeddedGateway: a real grpc.aio Zeebe gateway over an in-memory engine, for tests."""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc

from zeebe_router._proto import gateway_pb2_grpc
from zeebe_router.testing._clock import Clock
from zeebe_router.testing._engine.engine import DEFAULT_TENANT, Engine
from zeebe_router.testing._engine.jobs import JobRecord, JobState
from zeebe_router.testing._engine.messages import Message, MessageBuffer
from zeebe_router.testing._engine.processes import Instance, ProcessRuntime
from zeebe_router.testing._engine.rejection import Rejection
from zeebe_router.testing._engine.snapshots import (
    DeployedProcess,
    IncidentSnapshot,
    InstanceSnapshot,
    JobSnapshot,
    StreamSnapshot,
)
from zeebe_router.testing._faults import Faults
from zeebe_router.testing._servicer import SHUTTING_DOWN, GatewayServicer

__all__ = ["EmbeddedGateway"]

_DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
_STOP_GRACE_S = 1.0
_CHANNEL_CLOSE_GRACE_S = 0.25


class EmbeddedGateway:
    """A Zeebe gateway on 127.0.0.1 backed by an in-memory engine, for tests and local runs.

    Any Zeebe client can connect to :attr:`address`. Use it as an async context manager::

        async with EmbeddedGateway() as gateway:
            job_key = gateway.create_job("charge-card", {"amount": 10})
            ...  # run a worker against gateway.channel()
            await gateway.wait_for_job(job_key, "completed")

    It implements a subset of Zeebe for tests and local development; it is not a broker.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_message_bytes: int = _DEFAULT_MAX_MESSAGE_BYTES,
        history_limit: int | None = None,
    ) -> None:
        """Configure the gateway; nothing is bound before :meth:`start`.

        Args:
            host: the address to bind.
            port: the port to bind; 0 picks a free one (see :attr:`port`).
            max_message_bytes: the largest gRPC message accepted or sent.
            history_limit: how many finished jobs and instances stay inspectable; None keeps
                all (tests), a bound keeps memory flat on a long-running gateway.
        """
        self._host = host
        self._requested_port = port
        self._port = 0
        self._max_message_bytes = max_message_bytes
        self.clock = Clock()
        """Engine time; ``clock.advance(ms)`` makes deadlines and back-offs due at once."""
        self.faults = Faults()
        """Fault injection: failing rpcs, latency, dropped job streams."""
        self._engine = Engine(self.clock, history_limit)
        self._processes = ProcessRuntime(self._engine)
        self._messages = MessageBuffer(self._engine)
        self._servicer = GatewayServicer(
            self._engine, self._processes, self._messages, self.faults, max_message_bytes
        )
        self._server: grpc.aio.Server | None = None
        self._channels: list[grpc.aio.Channel] = []
        self._stopped = False

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> EmbeddedGateway:
        """Bind and start serving.

        Raises:
            RuntimeError: the gateway was already started, or the address cannot be bound.
        """
        if self._server is not None or self._stopped:
            raise RuntimeError("an EmbeddedGateway starts once; create a new one to restart")
        options = [
            ("grpc.max_receive_message_length", self._max_message_bytes),
            ("grpc.max_send_message_length", self._max_message_bytes),
            # A port another gateway holds is an error, not a silently shared port.
            ("grpc.so_reuseport", 0),
        ]
        server = grpc.aio.server(options=options)
        gateway_pb2_grpc.add_GatewayServicer_to_server(self._servicer, server)
        target = f"{self._host}:{self._requested_port}"
        try:
            port = server.add_insecure_port(target)
        except RuntimeError as exc:
            raise RuntimeError(f"cannot bind the embedded gateway to {target}: {exc}") from exc
        if port == 0:
            raise RuntimeError(f"cannot bind the embedded gateway to {target}")
        self._port = port
        self._servicer.address = self.address
        await server.start()
        self._server = server
        return self

    async def stop(self, grace: float = _STOP_GRACE_S) -> None:
        """Stop serving; idempotent.

        Job streams end with UNAVAILABLE and long polls answer at once, so clients see a clean
        end; calls still running after ``grace`` seconds are cancelled. Channels made by
        :meth:`channel` are closed once their calls have seen the end (at most 0.25 s).
        """
        if self._stopped:
            return
        self._stopped = True
        if self._server is not None:
            self.faults.drop_streams(grpc.StatusCode.UNAVAILABLE, SHUTTING_DOWN)
            self._engine.board.release_pollers()
            await self._server.stop(grace)
        channels, self._channels = self._channels, []
        for channel in channels:
            # Let calls the server just ended see their status rather than a cancellation.
            await channel.close(_CHANNEL_CLOSE_GRACE_S)
        self.clock.close()

    async def __aenter__(self) -> EmbeddedGateway:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The bound port (0 before :meth:`start`)."""
        return self._port

    @property
    def address(self) -> str:
        """``host:port`` to point a Zeebe client at."""
        return f"{self._host}:{self._port}"

    def channel(self, options: Mapping[str, Any] | None = None) -> grpc.aio.Channel:
        """A new insecure ``grpc.aio`` channel to this gateway, closed by :meth:`stop`."""
        channel = grpc.aio.insecure_channel(self.address, options=list((options or {}).items()))
        self._channels.append(channel)
        return channel

    @property
    def calls(self) -> collections.Counter[str]:
        """How many times each rpc was called, by rpc name (``calls["CompleteJob"]``)."""
        return self._servicer.calls

    async def wait_for(
        self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "a condition"
    ) -> None:
        """Wait until ``condition()`` is true, re-checked after every change and every call.

        Raises:
            TimeoutError: it did not become true within ``timeout`` seconds.
        """
        await self._engine.watchers.wait(lambda: True if condition() else None, timeout, what)

    # -- processes ----------------------------------------------------------------------------

    def deploy(
        self, path_or_xml: str | os.PathLike[str] | bytes, *, tenant_id: str = DEFAULT_TENANT
    ) -> list[DeployedProcess]:
        """Deploy a BPMN file (a path) or document (XML text or bytes); return its processes.

        Redeploying an unchanged process keeps its version and key; a changed one gets the
        next version.

        Raises:
            ValueError: the document is not valid BPMN of the supported subset (the message
                names the element), or the resource is not BPMN.
            FileNotFoundError: a path was given and does not exist.
        """
        if isinstance(path_or_xml, bytes):
            name, content = "process.bpmn", path_or_xml
        elif isinstance(path_or_xml, str) and path_or_xml.lstrip().startswith("<"):
            name, content = "process.bpmn", path_or_xml.encode()
        else:
            path = Path(path_or_xml)
            name, content = path.name, path.read_bytes()
        try:
            deployment = self._processes.deploy([(name, content)], tenant_id)
        except Rejection as exc:
            raise ValueError(exc.message) from None
        return list(deployment.processes)

    def processes(self) -> list[DeployedProcess]:
        """Every deployed process version, oldest first."""
        return self._processes.processes()

    def create_instance(
        self,
        bpmn_process_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        version: int = -1,
        tenant_id: str = DEFAULT_TENANT,
    ) -> int:
        """Start an instance of the latest (or the given) version; return its key.

        Raises:
            LookupError: no such process is deployed.
        """
        try:
            definition = self._processes.find_definition(
                key=0, bpmn_process_id=bpmn_process_id, version=version, tenant_id=tenant_id
            )
        except Rejection as exc:
            raise LookupError(exc.message) from None
        return self._processes.create_instance(definition, dict(variables or {})).key

    def _instance(self, key: int) -> Instance:
        instance = self._processes.instances.get(key)
        if instance is None:
            raise KeyError(f"no process instance with key {key}")
        return instance

    def instance(self, key: int) -> InstanceSnapshot:
        """A snapshot of a process instance: state, variables, visited elements, incidents.

        Raises:
            KeyError: no instance has this key.
        """
        return self._processes.snapshot(self._instance(key))

    def instances(self, bpmn_process_id: str | None = None) -> list[InstanceSnapshot]:
        """Snapshots of every instance, or those of one process, oldest first."""
        return [
            self._processes.snapshot(instance)
            for instance in self._processes.instances.values()
            if bpmn_process_id is None
            or instance.definition.info.bpmn_process_id == bpmn_process_id
        ]

    async def wait_for_instance(
        self, key: int, state: str = "COMPLETED", timeout: float = 5.0
    ) -> InstanceSnapshot:
        """Wait until instance ``key`` is in ``state`` (ACTIVE, COMPLETED, TERMINATED).

        Raises:
            KeyError: no instance has this key.
            TimeoutError: it did not reach the state in time; the message shows where it is,
                with its open incidents.
        """
        instance = self._instance(key)
        wanted = state.upper()
        try:
            await self._engine.watchers.wait(
                lambda: True if instance.state == wanted else None,
                timeout,
                f"instance {key}",
                key=key,
            )
        except TimeoutError:
            snapshot = self._processes.snapshot(instance)
            problems = "; ".join(f"{i.type}: {i.message}" for i in snapshot.incidents)
            raise TimeoutError(
                f"instance {key} did not reach {wanted} within {timeout} s: it is "
                f"{snapshot.state} after visiting {list(snapshot.visited)}"
                + (f"; incidents: {problems}" if problems else "")
            ) from None
        return self._processes.snapshot(instance)

    def messages(self) -> list[Message]:
        """Published messages still within their time to live."""
        return self._messages.buffered()

    # -- jobs ---------------------------------------------------------------------------------

    def create_job(
        self,
        type: str,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retries: int = 3,
        tenant_id: str = DEFAULT_TENANT,
    ) -> int:
        """Create a job that belongs to no process; return its key.

        Raises:
            ValueError: ``type`` is empty or ``retries`` < 1.
        """
        job = self._engine.create_job(
            type, variables=variables, headers=headers, retries=retries, tenant_id=tenant_id
        )
        return job.key

    def jobs(self, type: str | None = None, state: str | None = None) -> list[JobSnapshot]:
        """Snapshots of every job, or those of one type and/or state, oldest first."""
        wanted = None if state is None else JobState(state)
        return [
            self._engine.job_snapshot(job)
            for job in self._engine.board.by_type(type)
            if wanted is None or job.state is wanted
        ]

    def _job(self, key: int) -> JobRecord:
        job = self._engine.board.jobs.get(key)
        if job is None:
            raise KeyError(f"no job with key {key}")
        return job

    def job(self, key: int) -> JobSnapshot:
        """A snapshot of one job.

        Raises:
            KeyError: no job ever had this key.
        """
        return self._engine.job_snapshot(self._job(key))

    async def wait_for_job(self, key: int, state: str, timeout: float = 5.0) -> JobSnapshot:
        """Wait until job ``key`` is in ``state`` (e.g. ``"completed"``) and return it.

        Raises:
            KeyError: no job has this key.
            TimeoutError: it did not reach the state in time; the message shows where it is.
        """
        wanted = JobState(state)
        job = self._job(key)
        try:
            return (
                await self._engine.wait_for_jobs(
                    lambda snapshot: snapshot.key == key and snapshot.state == wanted.value,
                    1,
                    timeout,
                )
            )[0]
        except TimeoutError:
            raise TimeoutError(
                f"job {key} did not reach state {wanted.value!r} within {timeout} s; "
                f"it is {job.state.value!r}"
            ) from None

    async def wait_for_jobs(
        self,
        predicate: Callable[[JobSnapshot], bool],
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[JobSnapshot]:
        """Wait until at least ``count`` jobs satisfy ``predicate``; return them.

        Raises:
            TimeoutError: fewer jobs matched within ``timeout`` seconds.
        """
        return await self._engine.wait_for_jobs(predicate, count, timeout)

    def streams(self, type: str | None = None) -> list[StreamSnapshot]:
        """The open StreamActivatedJobs calls, or those of one job type."""
        return [
            StreamSnapshot(s.query.type, s.query.worker, s.query.tenant_ids, s.ready)
            for s in self._engine.board.streams()
            if type is None or s.query.type == type
        ]

    # -- incidents ----------------------------------------------------------------------------

    def incidents(self, *, include_resolved: bool = False) -> list[IncidentSnapshot]:
        """Open incidents (and resolved ones if asked), oldest first."""
        return [
            incident.snapshot()
            for incident in self._engine.incidents.values()
            if include_resolved or incident.state == "ACTIVE"
        ]
