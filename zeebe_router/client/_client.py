"""The async client: start processes, deploy resources, publish messages and more."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import grpc

from zeebe_router.errors import BackPressureError, GatewayUnavailableError
from zeebe_router.gateway import DEFAULT_RPC_TIMEOUT_S, ProcessGateway
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
    ServingStatus,
    SetVariablesResponse,
    Topology,
    UpdateJobRetriesResponse,
    UpdateJobTimeoutResponse,
)

__all__ = ["ZeebeClient"]

_T = TypeVar("_T")

#: Errors that mean the gateway did not process the request, so sending it again is safe.
_RETRYABLE = (GatewayUnavailableError, BackPressureError)
_FIRST_BACKOFF_S = 0.1
_MAX_BACKOFF_S = 5.0
_BACKOFF_FACTOR = 2.0


class ZeebeClient:
    """Talks to a Zeebe gateway to start processes, deploy resources and publish messages.

    A pyzeebe ``ZeebeClient`` with the same methods and arguments, plus the rpcs it lacks
    (``set_variables``, ``resolve_incident``, ``update_job_retries``, ...). Every method
    returns a frozen dataclass of :mod:`zeebe_router.responses` and raises errors of
    :mod:`zeebe_router.errors`.

    Args:
        grpc_channel: a ``grpc.aio`` channel to the gateway; ``None`` builds one from the
            environment (``ZEEBE_ADDRESS``, ...) on first use, on the running event loop,
            and closes it in :meth:`close`.
        max_connection_retries: how often a call is sent again while the gateway is
            unavailable or applying back-pressure (exponential back-off from 0.1 s to 5 s);
            ``-1`` retries without limit, ``0`` never.
        rpc_timeout: the deadline, in seconds, of each call.
    """

    def __init__(
        self,
        grpc_channel: grpc.aio.Channel | None = None,
        max_connection_retries: int = 10,
        *,
        rpc_timeout: float | None = DEFAULT_RPC_TIMEOUT_S,
    ) -> None:
        self._rpc_timeout = rpc_timeout
        self._max_retries = max_connection_retries
        self._owns_channel = grpc_channel is None
        self._gateway: ProcessGateway | None = (
            None if grpc_channel is None else ProcessGateway(grpc_channel, rpc_timeout=rpc_timeout)
        )

    @property
    def gateway(self) -> ProcessGateway:
        """The gateway adapter the client sends through (built on first use if needed)."""
        if self._gateway is None:
            from zeebe_router.connection import channel_from_env

            self._gateway = ProcessGateway(channel_from_env(), rpc_timeout=self._rpc_timeout)
        return self._gateway

    async def close(self) -> None:
        """Close the channel if the client created it; a channel you passed stays open."""
        if self._owns_channel and self._gateway is not None:
            gateway, self._gateway = self._gateway, None
            await gateway.channel.close(None)

    async def __aenter__(self) -> ZeebeClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _call(self, send: Callable[[ProcessGateway], Awaitable[_T]]) -> _T:
        """Send a request, again after a back-off while the gateway is unavailable or busy."""
        delay = _FIRST_BACKOFF_S
        attempt = 0
        while True:
            try:
                return await send(self.gateway)
            except _RETRYABLE:
                if 0 <= self._max_retries <= attempt:
                    raise
            attempt += 1
            await asyncio.sleep(delay)
            delay = min(delay * _BACKOFF_FACTOR, _MAX_BACKOFF_S)

    # --- process instances -----------------------------------------------------------

    async def run_process(
        self,
        bpmn_process_id: str,
        variables: Mapping[str, Any] | None = None,
        version: int = -1,
        tenant_id: str | None = None,
    ) -> CreateProcessInstanceResponse:
        """Start an instance of a process and return at once.

        Args:
            bpmn_process_id: the id of the process in its BPMN file.
            variables: the instance's starting variables (JSON-serialisable).
            version: the process version; ``-1`` is the latest deployed.
            tenant_id: the tenant of the process definition (multi-tenancy).

        Raises:
            ProcessDefinitionNotFoundError: no such process (or version) is deployed.
            VariablesNotSerializableError: ``variables`` cannot be encoded as JSON.
        """
        return await self._call(
            lambda g: g.create_process_instance(bpmn_process_id, variables, version, tenant_id)
        )

    async def run_process_with_result(
        self,
        bpmn_process_id: str,
        variables: Mapping[str, Any] | None = None,
        version: int = -1,
        timeout: int = 0,
        variables_to_fetch: Iterable[str] | None = None,
        tenant_id: str | None = None,
    ) -> CreateProcessInstanceWithResultResponse:
        """Start an instance of a process and wait until it completes.

        Args:
            bpmn_process_id: the id of the process in its BPMN file.
            variables: the instance's starting variables (JSON-serialisable).
            version: the process version; ``-1`` is the latest deployed.
            timeout: how long to wait, in milliseconds; ``0`` is the gateway's default.
            variables_to_fetch: the root-scope variables to return; ``None`` returns all.
            tenant_id: the tenant of the process definition (multi-tenancy).

        Raises:
            ProcessDefinitionNotFoundError: no such process (or version) is deployed.
            DeadlineExceededError: the instance did not complete within ``timeout``; it
                keeps running.
        """
        fetch = list(variables_to_fetch) if variables_to_fetch is not None else None
        return await self._call(
            lambda g: g.create_process_instance_with_result(
                bpmn_process_id, variables, version, timeout, fetch, tenant_id
            )
        )

    async def cancel_process_instance(
        self, process_instance_key: int
    ) -> CancelProcessInstanceResponse:
        """Cancel a running process instance.

        Raises:
            ProcessInstanceNotFoundError: the instance does not exist or has ended.
        """
        return await self._call(lambda g: g.cancel_process_instance(process_instance_key))

    async def set_variables(
        self, element_instance_key: int, variables: Mapping[str, Any], local: bool = False
    ) -> SetVariablesResponse:
        """Set variables in the scope of an element instance (or a process instance's key).

        With ``local=False`` a variable that exists in an outer scope is updated there;
        ``local=True`` always writes to the given scope.

        Raises:
            NotFoundError: no active element instance has that key.
        """
        return await self._call(lambda g: g.set_variables(element_instance_key, variables, local))

    async def modify_process_instance(
        self,
        process_instance_key: int,
        activate: Iterable[ActivateInstruction] = (),
        terminate: Iterable[TerminateInstruction] = (),
        move: Iterable[MoveInstruction] = (),
    ) -> ModifyProcessInstanceResponse:
        """Activate, terminate or move element instances of a running process instance.

        Raises:
            ProcessInstanceNotFoundError: the instance does not exist or has ended.
            InvalidArgumentError: an instruction names an unknown element or scope.
        """
        a, t, m = tuple(activate), tuple(terminate), tuple(move)
        return await self._call(lambda g: g.modify_process_instance(process_instance_key, a, t, m))

    async def migrate_process_instance(
        self,
        process_instance_key: int,
        target_process_definition_key: int,
        mapping_instructions: Iterable[MappingInstruction] = (),
    ) -> MigrateProcessInstanceResponse:
        """Move a running instance to another process definition, mapping its elements.

        Raises:
            ProcessInstanceNotFoundError: the instance does not exist or has ended.
            InvalidArgumentError: the plan does not fit the instance or the target.
        """
        mappings = tuple(mapping_instructions)
        return await self._call(
            lambda g: g.migrate_process_instance(
                process_instance_key, target_process_definition_key, mappings
            )
        )

    # --- jobs and incidents ----------------------------------------------------------

    async def update_job_retries(self, job_key: int, retries: int) -> UpdateJobRetriesResponse:
        """Set the retries a job has left (e.g. before resolving its incident).

        Raises:
            JobNotFoundError: no job has that key.
            InvalidArgumentError: ``retries`` is not positive.
        """
        await self._call(lambda g: g.update_job_retries(job_key, retries))
        return UpdateJobRetriesResponse()

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> UpdateJobTimeoutResponse:
        """Move an activated job's deadline to ``timeout_ms`` from now.

        Raises:
            JobNotFoundError: no job has that key.
            JobNotActivatedError: the job is not activated.
        """
        await self._call(lambda g: g.update_job_timeout(job_key, timeout_ms))
        return UpdateJobTimeoutResponse()

    async def resolve_incident(self, incident_key: int) -> ResolveIncidentResponse:
        """Resolve an incident; for a job incident, give the job retries first.

        Raises:
            NotFoundError: no open incident has that key.
        """
        return await self._call(lambda g: g.resolve_incident(incident_key))

    # --- resources and decisions -----------------------------------------------------

    async def deploy_resource(
        self,
        *resource_file_path: str | os.PathLike[str],
        tenant_id: str | None = None,
        resources: Mapping[str, bytes | str] | None = None,
    ) -> DeployResourceResponse:
        """Deploy BPMN, DMN and form files (and in-memory ``resources``) as one deployment.

        Args:
            resource_file_path: files to deploy; each is named by its base name.
            tenant_id: the tenant that owns the resources (multi-tenancy).
            resources: in-memory resources, name (with its extension, e.g.
                ``"order.bpmn"``) to content (``str`` is encoded as UTF-8).

        Raises:
            InvalidArgumentError: a resource is invalid (the message says why).
            OSError: a file cannot be read; nothing was deployed.
        """
        files = await asyncio.gather(
            *(asyncio.to_thread(Path(path).read_bytes) for path in resource_file_path)
        )
        payload = [
            (os.path.basename(path), content)
            for path, content in zip(resource_file_path, files, strict=True)
        ]
        payload += [
            (name, content.encode() if isinstance(content, str) else content)
            for name, content in (resources or {}).items()
        ]
        if not payload:
            raise ValueError("deploy_resource needs at least one file path or resource")
        return await self._call(lambda g: g.deploy_resource(payload, tenant_id))

    async def delete_resource(
        self, resource_key: int, delete_history: bool | None = None
    ) -> DeleteResourceResponse:
        """Delete a deployed process, decision requirements graph or form by its key.

        Raises:
            NotFoundError: no resource has that key.
        """
        return await self._call(lambda g: g.delete_resource(resource_key, delete_history))

    async def evaluate_decision(
        self,
        decision_key: int | None,
        decision_id: str | None,
        variables: Mapping[str, Any] | None = None,
        tenant_id: str | None = None,
    ) -> EvaluateDecisionResponse:
        """Evaluate a decision, chosen by key or by id (its latest version).

        A decision that fails to evaluate is reported in the response's
        ``failed_decision_id`` and ``failure_message``, not raised.

        Raises:
            NotFoundError: no decision has that key or id.
        """
        return await self._call(
            lambda g: g.evaluate_decision(decision_key, decision_id, variables, tenant_id)
        )

    # --- messages and signals --------------------------------------------------------

    async def publish_message(
        self,
        name: str,
        correlation_key: str,
        variables: Mapping[str, Any] | None = None,
        time_to_live_in_milliseconds: int = 60000,
        message_id: str | None = None,
        tenant_id: str | None = None,
    ) -> PublishMessageResponse:
        """Publish a message, buffered up to its time to live until it correlates.

        Args:
            name: the message name the catch events wait for.
            correlation_key: matched against the subscriptions' correlation keys.
            variables: the message's variables (JSON-serialisable).
            time_to_live_in_milliseconds: how long an uncorrelated message is kept.
            message_id: a unique id; a second message with it is rejected while buffered.
            tenant_id: the tenant of the message (multi-tenancy).

        Raises:
            MessageAlreadyExistsError: a message with ``message_id`` is still buffered.
        """
        return await self._call(
            lambda g: g.publish_message(
                name,
                correlation_key,
                variables,
                time_to_live_in_milliseconds,
                message_id,
                tenant_id,
            )
        )

    async def broadcast_signal(
        self,
        signal_name: str,
        variables: Mapping[str, Any] | None = None,
        tenant_id: str | None = None,
    ) -> BroadcastSignalResponse:
        """Broadcast a signal to every signal event waiting for ``signal_name``."""
        return await self._call(lambda g: g.broadcast_signal(signal_name, variables, tenant_id))

    # --- cluster ---------------------------------------------------------------------

    async def topology(self) -> Topology:
        """Describe the cluster behind the gateway: brokers, partitions, versions."""
        return await self._call(lambda g: g.topology())

    async def healthcheck(self) -> HealthCheckResponse:
        """Ask whether the gateway serves requests.

        Answered from the ``Topology`` rpc rather than gRPC's health service, which not
        every gateway exposes: ``SERVING`` when every partition reported is healthy,
        ``NOT_SERVING`` otherwise; the topology is in the response.

        Raises:
            GatewayUnavailableError: the gateway cannot be reached (not retried).
        """
        topology = await self.gateway.topology()
        healthy = all(
            p.health == "HEALTHY" for broker in topology.brokers for p in broker.partitions
        )
        status = ServingStatus.SERVING if healthy else ServingStatus.NOT_SERVING
        return HealthCheckResponse(status=status, topology=topology)
