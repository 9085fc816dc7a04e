"""The blocking client: :class:`ZeebeClient` driven from a background event loop."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine, Iterable, Mapping
from types import TracebackType
from typing import Any, TypeVar

import grpc

from zeebe_router.client._client import ZeebeClient
from zeebe_router.gateway import DEFAULT_RPC_TIMEOUT_S
from zeebe_router.gateway._processes import (
    ActivateInstruction,
    MappingInstruction,
    MoveInstruction,
    TerminateInstruction,
)
from zeebe_router.responses import (
    BroadcastSignalResponse,
    CancelProcessInstanceResponse,
    CreateProcessInstanceResponse,
    CreateProcessInstanceWithResultResponse,
    DeleteResourceResponse,
    DeployResourceResponse,
    EvaluateDecisionResponse,
    HealthCheckResponse,
    MigrateProcessInstanceResponse,
    ModifyProcessInstanceResponse,
    PublishMessageResponse,
    ResolveIncidentResponse,
    SetVariablesResponse,
    Topology,
    UpdateJobRetriesResponse,
    UpdateJobTimeoutResponse,
)

__all__ = ["SyncZeebeClient"]

_T = TypeVar("_T")

#: A channel, or a function that builds one (called on the client's event loop).
ChannelSource = grpc.aio.Channel | Callable[[], grpc.aio.Channel] | None


class SyncZeebeClient:
    """The methods of :class:`ZeebeClient` for code that does not run an event loop.

    Calls run on an event loop in a daemon thread and block the calling thread until they
    finish, so the client can be created at import time and used from any thread (but not
    from a coroutine: ``await`` the :class:`ZeebeClient` there). Use it as a context
    manager or call :meth:`close`.

    Args:
        grpc_channel: a ``grpc.aio`` channel, a function returning one (called on the
            client's loop, closed by :meth:`close`), or ``None`` to build one from the
            environment. A channel created outside any running loop is tied to a loop
            that nothing runs yet: the client runs that loop in its thread.
        max_connection_retries: as for :class:`ZeebeClient`.
        rpc_timeout: the deadline, in seconds, of each call.

    Raises:
        ValueError: the channel's event loop is closed.
    """

    def __init__(
        self,
        grpc_channel: ChannelSource = None,
        max_connection_retries: int = 10,
        *,
        rpc_timeout: float | None = DEFAULT_RPC_TIMEOUT_S,
    ) -> None:
        self._closed = False
        self._closes_channel = False
        self._thread: threading.Thread | None = None
        self._owns_loop = False
        if isinstance(grpc_channel, grpc.aio.Channel):
            # A grpc.aio channel only works on the loop it was created for.
            loop: asyncio.AbstractEventLoop | None = getattr(grpc_channel, "_loop", None)
            if loop is None:
                loop = asyncio.new_event_loop()
                self._owns_loop = True
            if loop.is_closed():
                raise ValueError("the channel's event loop is closed; create a new channel")
            self._loop = loop
            if not loop.is_running():
                self._start_thread()
            self._client = ZeebeClient(
                grpc_channel, max_connection_retries, rpc_timeout=rpc_timeout
            )
            return
        self._loop = asyncio.new_event_loop()
        self._owns_loop = True
        self._start_thread()
        factory = grpc_channel
        self._closes_channel = factory is not None

        async def build() -> ZeebeClient:
            channel = factory() if factory is not None else None
            return ZeebeClient(channel, max_connection_retries, rpc_timeout=rpc_timeout)

        self._client = self._run(build())

    async def _shutdown(self) -> None:
        await self._client.close()
        if self._closes_channel:
            await self._client.gateway.channel.close(None)

    def _start_thread(self) -> None:
        loop = self._loop
        self._thread = threading.Thread(
            target=loop.run_forever, name="zeebe-router-sync-client", daemon=True
        )
        self._thread.start()

    @property
    def client(self) -> ZeebeClient:
        """The async client the calls run on (await it only on :attr:`loop`)."""
        return self._client

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the calls run on."""
        return self._loop

    def _on_own_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def _run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` on the client's loop and wait for its result in this thread."""
        if self._closed:
            coro.close()
            raise RuntimeError("the SyncZeebeClient is closed")
        if self._on_own_loop():
            coro.close()
            raise RuntimeError(
                "SyncZeebeClient called from its own event loop; await a ZeebeClient instead"
            )
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def close(self) -> None:
        """Close the channel if the client created it and stop its thread (idempotent)."""
        if self._closed:
            return
        if self._on_own_loop():
            # Only a loop run by someone else: its channel is theirs, nothing to close.
            self._closed = True
            return
        self._run(self._shutdown())
        self._closed = True
        if self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._thread = None
            if self._owns_loop:
                self._loop.close()

    def __enter__(self) -> SyncZeebeClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def run_process(
        self,
        bpmn_process_id: str,
        variables: Mapping[str, Any] | None = None,
        version: int = -1,
        tenant_id: str | None = None,
    ) -> CreateProcessInstanceResponse:
        """Start an instance of a process (see :meth:`ZeebeClient.run_process`)."""
        return self._run(self._client.run_process(bpmn_process_id, variables, version, tenant_id))

    def run_process_with_result(
        self,
        bpmn_process_id: str,
        variables: Mapping[str, Any] | None = None,
        version: int = -1,
        timeout: int = 0,
        variables_to_fetch: Iterable[str] | None = None,
        tenant_id: str | None = None,
    ) -> CreateProcessInstanceWithResultResponse:
        """Start an instance and wait for it (see :meth:`ZeebeClient.run_process_with_result`)."""
        return self._run(
            self._client.run_process_with_result(
                bpmn_process_id, variables, version, timeout, variables_to_fetch, tenant_id
            )
        )

    def cancel_process_instance(self, process_instance_key: int) -> CancelProcessInstanceResponse:
        """Cancel a running process instance."""
        return self._run(self._client.cancel_process_instance(process_instance_key))

    def set_variables(
        self, element_instance_key: int, variables: Mapping[str, Any], local: bool = False
    ) -> SetVariablesResponse:
        """Set variables in the scope of an element instance."""
        return self._run(self._client.set_variables(element_instance_key, variables, local))

    def modify_process_instance(
        self,
        process_instance_key: int,
        activate: Iterable[ActivateInstruction] = (),
        terminate: Iterable[TerminateInstruction] = (),
        move: Iterable[MoveInstruction] = (),
    ) -> ModifyProcessInstanceResponse:
        """Activate, terminate or move element instances of a running process instance."""
        return self._run(
            self._client.modify_process_instance(process_instance_key, activate, terminate, move)
        )

    def migrate_process_instance(
        self,
        process_instance_key: int,
        target_process_definition_key: int,
        mapping_instructions: Iterable[MappingInstruction] = (),
    ) -> MigrateProcessInstanceResponse:
        """Move a running instance to another process definition."""
        return self._run(
            self._client.migrate_process_instance(
                process_instance_key, target_process_definition_key, mapping_instructions
            )
        )

    def update_job_retries(self, job_key: int, retries: int) -> UpdateJobRetriesResponse:
        """Set the retries a job has left."""
        return self._run(self._client.update_job_retries(job_key, retries))

    def update_job_timeout(self, job_key: int, timeout_ms: int) -> UpdateJobTimeoutResponse:
        """Move an activated job's deadline to ``timeout_ms`` from now."""
        return self._run(self._client.update_job_timeout(job_key, timeout_ms))

    def resolve_incident(self, incident_key: int) -> ResolveIncidentResponse:
        """Resolve an incident."""
        return self._run(self._client.resolve_incident(incident_key))

    def deploy_resource(
        self,
        *resource_file_path: str | os.PathLike[str],
        tenant_id: str | None = None,
        resources: Mapping[str, bytes | str] | None = None,
    ) -> DeployResourceResponse:
        """Deploy files and in-memory resources (see :meth:`ZeebeClient.deploy_resource`)."""
        return self._run(
            self._client.deploy_resource(
                *resource_file_path, tenant_id=tenant_id, resources=resources
            )
        )

    def delete_resource(
        self, resource_key: int, delete_history: bool | None = None
    ) -> DeleteResourceResponse:
        """Delete a deployed resource by its key."""
        return self._run(self._client.delete_resource(resource_key, delete_history))

    def evaluate_decision(
        self,
        decision_key: int | None,
        decision_id: str | None,
        variables: Mapping[str, Any] | None = None,
        tenant_id: str | None = None,
    ) -> EvaluateDecisionResponse:
        """Evaluate a decision by key or id."""
        return self._run(
            self._client.evaluate_decision(decision_key, decision_id, variables, tenant_id)
        )

    def publish_message(
        self,
        name: str,
        correlation_key: str,
        variables: Mapping[str, Any] | None = None,
        time_to_live_in_milliseconds: int = 60000,
        message_id: str | None = None,
        tenant_id: str | None = None,
    ) -> PublishMessageResponse:
        """Publish a message (see :meth:`ZeebeClient.publish_message`)."""
        return self._run(
            self._client.publish_message(
                name,
                correlation_key,
                variables,
                time_to_live_in_milliseconds,
                message_id,
                tenant_id,
            )
        )

    def broadcast_signal(
        self,
        signal_name: str,
        variables: Mapping[str, Any] | None = None,
        tenant_id: str | None = None,
    ) -> BroadcastSignalResponse:
        """Broadcast a signal."""
        return self._run(self._client.broadcast_signal(signal_name, variables, tenant_id))

    def topology(self) -> Topology:
        """Describe the cluster behind the gateway."""
        return self._run(self._client.topology())

    def healthcheck(self) -> HealthCheckResponse:
        """Ask whether the gateway serves requests (see :meth:`ZeebeClient.healthcheck`)."""
        return self._run(self._client.healthcheck())
