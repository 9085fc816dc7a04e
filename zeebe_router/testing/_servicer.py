"""The Gateway gRPC service over the in-memory engine: requests in, engine commands, replies out."""

from __future__ import annotations

import asyncio
import collections
import functools
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, NoReturn, TypeVar

import grpc

from zeebe_router import _json
from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router._proto import gateway_pb2_grpc
from zeebe_router.errors import InvalidVariablesError, VariablesNotSerializableError
from zeebe_router.testing._engine.engine import DEFAULT_TENANT, Engine
from zeebe_router.testing._engine.jobs import Activation, JobQuery, JobStream
from zeebe_router.testing._engine.messages import MessageBuffer
from zeebe_router.testing._engine.processes import Deployment, Instance, ProcessRuntime
from zeebe_router.testing._engine.rejection import Rejection, RejectionType
from zeebe_router.testing._engine.snapshots import DeployedProcess
from zeebe_router.testing._faults import Faults

__all__ = ["GATEWAY_VERSION", "SHUTTING_DOWN", "GatewayServicer"]

GATEWAY_VERSION = "8.9.0-embedded"
DEFAULT_REQUEST_TIMEOUT_MS = 10_000
DEFAULT_RESULT_TIMEOUT_MS = 15_000
#: The details of the UNAVAILABLE that ends job streams when the gateway stops.
SHUTTING_DOWN = "the embedded gateway is shutting down"
_RESPONSE_OVERHEAD = 16  # field tag and length prefix of each job, with room to spare
_TENANT_ID = re.compile(r"[A-Za-z0-9._-]{1,31}")

_STATUS = {
    RejectionType.INVALID_ARGUMENT: grpc.StatusCode.INVALID_ARGUMENT,
    RejectionType.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    RejectionType.ALREADY_EXISTS: grpc.StatusCode.ALREADY_EXISTS,
    RejectionType.INVALID_STATE: grpc.StatusCode.FAILED_PRECONDITION,
    RejectionType.DEADLINE_EXCEEDED: grpc.StatusCode.DEADLINE_EXCEEDED,
}

Context = grpc.aio.ServicerContext[Any, Any]
Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")


def _unary(
    method: Callable[[GatewayServicer, Req, Context], Awaitable[Resp]],
) -> Callable[[GatewayServicer, Req, Context], Awaitable[Resp]]:
    """Count the call, apply injected faults and turn engine rejections into statuses."""
    rpc = method.__name__

    @functools.wraps(method)
    async def handle(self: GatewayServicer, request: Req, context: Context) -> Resp:
        await self._enter(rpc, context)
        try:
            return await method(self, request, context)
        except Rejection as exc:
            await context.abort(_STATUS[exc.kind], exc.message)
            raise  # pragma: no cover - abort raises

    return handle


def _streaming(
    method: Callable[[GatewayServicer, Req, Context], AsyncIterator[Item]],
) -> Callable[[GatewayServicer, Req, Context], AsyncIterator[Item]]:
    """The same as :func:`_unary`, for server-streaming rpcs."""
    rpc = method.__name__

    @functools.wraps(method)
    async def handle(self: GatewayServicer, request: Req, context: Context) -> AsyncIterator[Item]:
        await self._enter(rpc, context)
        try:
            async for item in method(self, request, context):
                yield item
        except Rejection as exc:
            await context.abort(_STATUS[exc.kind], exc.message)

    return handle


def _variables(text: str, field: str = "variables") -> dict[str, Any]:
    """Decode a variables document, accepting only what can be encoded again for workers."""
    try:
        variables = _json.loads(text)
    except InvalidVariablesError as exc:
        raise Rejection.invalid(f"Property '{field}' is invalid: {exc}") from None
    try:
        _json.dumps(variables)
    except (VariablesNotSerializableError, RecursionError):
        raise Rejection.invalid(
            f"Property '{field}' is invalid: the JSON document is nested too deeply or holds a "
            "number JSON cannot carry back to workers (NaN, Infinity)"
        ) from None
    return variables


def _tenants(tenant_ids: Any) -> tuple[str, ...]:
    tenants = tuple(tenant_ids) or (DEFAULT_TENANT,)
    for tenant in tenants:
        if tenant != DEFAULT_TENANT and not _TENANT_ID.fullmatch(tenant):
            raise Rejection.invalid(
                f"Expected to handle request with tenant identifier '{tenant}', but the "
                "tenant identifier must be 1 to 31 characters of [A-Za-z0-9._-]"
            )
    return tenants


def _tenant(tenant_id: str) -> str:
    return _tenants([tenant_id] if tenant_id else [])[0]


def _metadata(info: DeployedProcess) -> pb.ProcessMetadata:
    return pb.ProcessMetadata(
        bpmnProcessId=info.bpmn_process_id,
        version=info.version,
        processDefinitionKey=info.process_definition_key,
        resourceName=info.resource_name,
        tenantId=info.tenant_id,
    )


def _positive(value: int, name: str, rpc: str) -> None:
    if value < 1:
        raise Rejection.invalid(f"Expected to {rpc} with {name} greater than 0, but it was {value}")


def _activated_job(activation: Activation) -> pb.ActivatedJob:
    job = activation.job
    link = job.process
    return pb.ActivatedJob(
        key=job.key,
        type=job.type,
        processInstanceKey=link.process_instance_key if link else 0,
        bpmnProcessId=link.bpmn_process_id if link else "",
        processDefinitionVersion=link.version if link else 0,
        processDefinitionKey=link.process_definition_key if link else 0,
        elementId=link.element_id if link else "",
        elementInstanceKey=link.element_instance_key if link else 0,
        customHeaders=_json.dumps(job.custom_headers) or "{}",
        worker=activation.worker,
        retries=activation.retries,
        deadline=activation.deadline,
        variables=_json.dumps(activation.variables) or "{}",
        tenantId=job.tenant_id,
        kind=pb.ActivatedJob.BPMN_ELEMENT,
    )


def _unsupported(rpc: str, reason: str = "the embedded engine does not implement it") -> Any:
    """A handler for an rpc outside the supported subset: counted, then UNIMPLEMENTED.

    Typed ``Any`` because it stands in for methods of several request and response types.
    """

    async def handle(self: GatewayServicer, request: object, context: Context) -> NoReturn:
        await self._enter(rpc, context)
        await context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            f"{rpc} is not supported by the embedded gateway (it runs a subset of Zeebe for "
            "tests and local development)",
        )
        raise AssertionError("unreachable: abort raises")

    handle.__name__ = handle.__qualname__ = rpc
    handle.__doc__ = f"Not supported: {reason}."
    return handle


class GatewayServicer(gateway_pb2_grpc.GatewayServicer):
    """Implements every Gateway rpc; those outside the supported subset answer UNIMPLEMENTED."""

    def __init__(
        self,
        engine: Engine,
        processes: ProcessRuntime,
        messages: MessageBuffer,
        faults: Faults,
        max_message_bytes: int,
    ) -> None:
        self._engine = engine
        self._max_message_bytes = max_message_bytes
        self._processes = processes
        self._messages = messages
        self._faults = faults
        self.calls: collections.Counter[str] = collections.Counter()
        self.address = "127.0.0.1:0"

    async def _enter(self, rpc: str, context: Context) -> None:
        self.calls[rpc] += 1
        self._engine.watchers.changed()
        fault = await self._faults.apply(rpc)
        if fault is not None:
            await context.abort(*fault)

    # -- jobs ---------------------------------------------------------------------------------

    @_streaming
    async def ActivateJobs(
        self, request: pb.ActivateJobsRequest, context: Context
    ) -> AsyncIterator[pb.ActivateJobsResponse]:
        """Activate up to maxJobsToActivate jobs, long-polling for up to requestTimeout."""
        if not request.type:
            raise Rejection.invalid("Expected to activate jobs of a type, but type was blank")
        if not request.worker:
            raise Rejection.invalid("Expected to activate jobs for a worker, but worker was blank")
        _positive(request.timeout, "timeout", "activate jobs")
        _positive(request.maxJobsToActivate, "maxJobsToActivate", "activate jobs")
        query = JobQuery(
            request.type,
            request.worker,
            request.timeout,
            tuple(request.fetchVariable),
            _tenants(request.tenantIds),
        )
        if request.requestTimeout < 0:
            wait_s: float | None = None
        else:
            wait_s = (request.requestTimeout or DEFAULT_REQUEST_TIMEOUT_MS) / 1000
        activations = await self._engine.poll(query, request.maxJobsToActivate, wait_s)
        sent = 0
        try:
            for chunk in self._chunks([_activated_job(a) for a in activations]):
                yield pb.ActivateJobsResponse(jobs=chunk)
                sent += len(chunk)
        except BaseException:
            for activation in activations[sent:]:
                self._engine.board.yield_back(activation)
            raise

    def _chunks(self, jobs: list[pb.ActivatedJob]) -> Iterator[list[pb.ActivatedJob]]:
        """Split jobs into responses that each fit in one gRPC message, as partitions would."""
        budget = self._max_message_bytes - _RESPONSE_OVERHEAD
        chunk: list[pb.ActivatedJob] = []
        size = 0
        for job in jobs:
            job_size = job.ByteSize() + _RESPONSE_OVERHEAD
            if chunk and size + job_size > budget:
                yield chunk
                chunk, size = [], 0
            chunk.append(job)
            size += job_size
        if chunk:
            yield chunk

    @_streaming
    async def StreamActivatedJobs(
        self, request: pb.StreamActivatedJobsRequest, context: Context
    ) -> AsyncIterator[pb.ActivatedJob]:
        """Push jobs of the type as they become activatable, one write at a time."""
        if not request.type:
            raise Rejection.invalid("Expected to stream jobs of a type, but type was blank")
        _positive(request.timeout, "timeout", "stream jobs")
        query = JobQuery(
            request.type,
            request.worker,
            request.timeout,
            tuple(request.fetchVariable),
            _tenants(request.tenantIds),
        )
        queue: asyncio.Queue[Activation | tuple[grpc.StatusCode, str]] = asyncio.Queue()
        stream = JobStream(query, queue.put_nowait)
        board = self._engine.board

        def drop(status: grpc.StatusCode, details: str) -> None:
            board.remove_stream(stream)
            queue.put_nowait((status, details))

        if board.stopping:
            await context.abort(grpc.StatusCode.UNAVAILABLE, SHUTTING_DOWN)
        board.add_stream(stream)
        self._faults.watch_stream(drop)
        in_flight: Activation | None = None
        try:
            while True:
                item = await queue.get()
                if isinstance(item, tuple):
                    await context.abort(*item)
                in_flight = item
                yield _activated_job(item)
                # The previous write completed: this stream may take the next job.
                in_flight = None
                board.stream_ready(stream)
        finally:
            self._faults.unwatch_stream(drop)
            board.remove_stream(stream)
            while not queue.empty():
                left = queue.get_nowait()
                if isinstance(left, Activation):
                    board.yield_back(left)
            if in_flight is not None:
                board.yield_back(in_flight)

    @_unary
    async def CompleteJob(
        self, request: pb.CompleteJobRequest, context: Context
    ) -> pb.CompleteJobResponse:
        """Complete a job with variables."""
        self._engine.complete_job(request.jobKey, _variables(request.variables))
        return pb.CompleteJobResponse()

    @_unary
    async def FailJob(self, request: pb.FailJobRequest, context: Context) -> pb.FailJobResponse:
        """Fail a job: retry it (after a back-off) or raise an incident."""
        if request.retryBackOff < 0:
            raise Rejection.invalid(
                f"Expected to fail job with a retryBackOff >= 0, but it was {request.retryBackOff}"
            )
        self._engine.fail_job(
            request.jobKey,
            retries=request.retries,
            message=request.errorMessage,
            backoff_ms=request.retryBackOff,
            variables=_variables(request.variables),
        )
        return pb.FailJobResponse()

    @_unary
    async def ThrowError(
        self, request: pb.ThrowErrorRequest, context: Context
    ) -> pb.ThrowErrorResponse:
        """Throw a BPMN error for a job."""
        if not request.errorCode:
            raise Rejection.invalid(
                "Expected to throw an error with an errorCode, but it was blank"
            )
        self._engine.throw_error(
            request.jobKey,
            code=request.errorCode,
            message=request.errorMessage,
            variables=_variables(request.variables),
        )
        return pb.ThrowErrorResponse()

    @_unary
    async def UpdateJobTimeout(
        self, request: pb.UpdateJobTimeoutRequest, context: Context
    ) -> pb.UpdateJobTimeoutResponse:
        """Move an activated job's deadline to ``timeout`` ms from now."""
        if request.timeout < 0:
            raise Rejection.invalid(
                f"Expected to update the job timeout to >= 0 ms, but it was {request.timeout}"
            )
        self._engine.update_job_timeout(request.jobKey, request.timeout)
        return pb.UpdateJobTimeoutResponse()

    @_unary
    async def UpdateJobRetries(
        self, request: pb.UpdateJobRetriesRequest, context: Context
    ) -> pb.UpdateJobRetriesResponse:
        """Set a job's retries."""
        _positive(request.retries, "retries", "update job retries")
        self._engine.update_job_retries(request.jobKey, request.retries)
        return pb.UpdateJobRetriesResponse()

    @_unary
    async def ResolveIncident(
        self, request: pb.ResolveIncidentRequest, context: Context
    ) -> pb.ResolveIncidentResponse:
        """Resolve an incident."""
        self._engine.resolve_incident(request.incidentKey)
        return pb.ResolveIncidentResponse()

    # -- cluster ------------------------------------------------------------------------------

    @_unary
    async def Topology(self, request: pb.TopologyRequest, context: Context) -> pb.TopologyResponse:
        """One healthy broker leading one partition."""
        host, _, port = self.address.rpartition(":")
        broker = pb.BrokerInfo(
            nodeId=0,
            host=host,
            port=int(port or 0),
            version=GATEWAY_VERSION,
            partitions=[
                pb.Partition(
                    partitionId=1,
                    role=pb.Partition.LEADER,
                    health=pb.Partition.HEALTHY,
                )
            ],
        )
        return pb.TopologyResponse(
            brokers=[broker],
            clusterSize=1,
            partitionsCount=1,
            replicationFactor=1,
            gatewayVersion=GATEWAY_VERSION,
            clusterId="embedded",
        )

    # -- processes ----------------------------------------------------------------------------

    def _deploy(self, resources: list[tuple[str, bytes]], tenant_id: str) -> Deployment:
        return self._processes.deploy(resources, _tenant(tenant_id))

    @_unary
    async def DeployResource(
        self, request: pb.DeployResourceRequest, context: Context
    ) -> pb.DeployResourceResponse:
        """Deploy BPMN resources; DMN and forms are refused by name."""
        deployment = self._deploy(
            [(r.name, r.content) for r in request.resources], request.tenantId
        )
        return pb.DeployResourceResponse(
            key=deployment.key,
            tenantId=deployment.tenant_id,
            deployments=[pb.Deployment(process=_metadata(p)) for p in deployment.processes],
        )

    @_unary
    async def DeployProcess(
        self, request: pb.DeployProcessRequest, context: Context
    ) -> pb.DeployProcessResponse:
        """Deploy BPMN processes (the deprecated rpc, same engine)."""
        deployment = self._deploy([(p.name, p.definition) for p in request.processes], "")
        return pb.DeployProcessResponse(
            key=deployment.key, processes=[_metadata(p) for p in deployment.processes]
        )

    def _create(self, request: pb.CreateProcessInstanceRequest) -> Instance:
        if len(request.startInstructions):
            raise Rejection.invalid(
                "Expected to create a process instance at its none start event: start "
                "instructions are not supported by the embedded gateway"
            )
        if len(request.runtimeInstructions):
            raise Rejection.invalid(
                "Runtime instructions are not supported by the embedded gateway"
            )
        definition = self._processes.find_definition(
            key=request.processDefinitionKey,
            bpmn_process_id=request.bpmnProcessId,
            version=request.version,
            tenant_id=_tenant(request.tenantId),
        )
        return self._processes.create_instance(definition, _variables(request.variables))

    @_unary
    async def CreateProcessInstance(
        self, request: pb.CreateProcessInstanceRequest, context: Context
    ) -> pb.CreateProcessInstanceResponse:
        """Start a process instance by definition key, or by id and version (-1: latest)."""
        instance = self._create(request)
        info = instance.definition.info
        return pb.CreateProcessInstanceResponse(
            processDefinitionKey=info.process_definition_key,
            bpmnProcessId=info.bpmn_process_id,
            version=info.version,
            processInstanceKey=instance.key,
            tenantId=info.tenant_id,
            tags=list(request.tags),
        )

    @_unary
    async def CreateProcessInstanceWithResult(
        self, request: pb.CreateProcessInstanceWithResultRequest, context: Context
    ) -> pb.CreateProcessInstanceWithResultResponse:
        """Start a process instance and answer with its variables once it completes."""
        if request.requestTimeout < 0:
            raise Rejection.invalid(
                f"Expected requestTimeout >= 0, but it was {request.requestTimeout}"
            )
        instance = self._create(request.request)
        timeout_ms = request.requestTimeout or DEFAULT_RESULT_TIMEOUT_MS
        try:
            await self._engine.watchers.wait(
                lambda: True if instance.state != "ACTIVE" else None,
                timeout_ms / 1000,
                f"instance {instance.key} to complete",
                key=instance.key,
            )
        except TimeoutError:
            raise Rejection(
                RejectionType.DEADLINE_EXCEEDED,
                f"Expected process instance {instance.key} to complete within "
                f"{timeout_ms} ms, but it is still active",
            ) from None
        if instance.state != "COMPLETED":
            raise Rejection.invalid_state(
                f"Expected process instance {instance.key} to complete, but it was terminated"
            )
        variables = instance.root.variables
        if request.fetchVariables:
            variables = {k: variables[k] for k in request.fetchVariables if k in variables}
        info = instance.definition.info
        return pb.CreateProcessInstanceWithResultResponse(
            processDefinitionKey=info.process_definition_key,
            bpmnProcessId=info.bpmn_process_id,
            version=info.version,
            processInstanceKey=instance.key,
            variables=_json.dumps(variables) or "{}",
            tenantId=info.tenant_id,
            tags=list(request.request.tags),
        )

    @_unary
    async def CancelProcessInstance(
        self, request: pb.CancelProcessInstanceRequest, context: Context
    ) -> pb.CancelProcessInstanceResponse:
        """Terminate a process instance and cancel its jobs."""
        self._processes.cancel(request.processInstanceKey)
        return pb.CancelProcessInstanceResponse()

    @_unary
    async def SetVariables(
        self, request: pb.SetVariablesRequest, context: Context
    ) -> pb.SetVariablesResponse:
        """Set variables on an instance or an element instance (locally or propagated)."""
        variables = _variables(request.variables)
        self._processes.set_variables(request.elementInstanceKey, variables, request.local)
        return pb.SetVariablesResponse(key=self._engine.next_key())

    @_unary
    async def PublishMessage(
        self, request: pb.PublishMessageRequest, context: Context
    ) -> pb.PublishMessageResponse:
        """Buffer a message for its time to live."""
        tenant = _tenant(request.tenantId)
        message = self._messages.publish(
            request.name,
            request.correlationKey,
            request.timeToLive,
            request.messageId,
            _variables(request.variables),
            tenant,
        )
        return pb.PublishMessageResponse(key=message.key, tenantId=tenant)

    @_unary
    async def BroadcastSignal(
        self, request: pb.BroadcastSignalRequest, context: Context
    ) -> pb.BroadcastSignalResponse:
        """Broadcast a signal."""
        tenant = _tenant(request.tenantId)
        _variables(request.variables)
        key = self._messages.broadcast(request.signalName, tenant)
        return pb.BroadcastSignalResponse(key=key, tenantId=tenant)

    # -- outside the supported subset ---------------------------------------------------------

    EvaluateDecision = _unsupported("EvaluateDecision", "DMN is outside the embedded subset")
    ModifyProcessInstance = _unsupported("ModifyProcessInstance")
    MigrateProcessInstance = _unsupported("MigrateProcessInstance")
    DeleteResource = _unsupported("DeleteResource")
    EvaluateConditional = _unsupported("EvaluateConditional")
