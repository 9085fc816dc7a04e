"""The async adapter over the generated stub: typed calls, translated errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

import grpc

from zeebe_router import _json
from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router._proto import gateway_pb2_grpc as pb_grpc
from zeebe_router.gateway._convert import job_from_proto, job_result_to_proto
from zeebe_router.gateway._status import map_grpc_error
from zeebe_router.job import Job, JobResult
from zeebe_router.responses import BrokerInfo, PartitionInfo, Topology

__all__ = ["ACTIVATE_DEADLINE_MARGIN_S", "DEFAULT_RPC_TIMEOUT_S", "ZeebeGateway"]

#: Deadline of unary rpcs unless the caller gives one.
DEFAULT_RPC_TIMEOUT_S = 20.0
#: Added to a long poll's ``requestTimeout`` for its gRPC deadline (as the Java client does).
ACTIVATE_DEADLINE_MARGIN_S = 10.0


class ZeebeGateway:
    """Typed async access to a Zeebe gateway over a ``grpc.aio`` channel.

    Every method raises an error of :mod:`zeebe_router.errors` (chained ``from`` the gRPC
    error) instead of ``grpc.RpcError``.
    """

    def __init__(
        self, channel: grpc.aio.Channel, *, rpc_timeout: float | None = DEFAULT_RPC_TIMEOUT_S
    ) -> None:
        self._channel = channel
        self._stub = pb_grpc.GatewayStub(channel)
        self._rpc_timeout = rpc_timeout

    @property
    def channel(self) -> grpc.aio.Channel:
        """The channel the adapter sends on."""
        return self._channel

    @property
    def stub(self) -> pb_grpc.GatewayStub:
        """The generated stub, for rpcs the adapter's extensions add."""
        return self._stub

    @property
    def rpc_timeout(self) -> float | None:
        """The default deadline, in seconds, of unary rpcs."""
        return self._rpc_timeout

    @property
    def connected(self) -> bool:
        """Whether the channel has a working connection (``READY``) right now."""
        return self._channel.get_state() is grpc.ChannelConnectivity.READY

    async def wait_for_connection(self) -> None:
        """Return once the channel is connected, asking it to connect if it is idle."""
        state = self._channel.get_state(try_to_connect=True)
        while state is not grpc.ChannelConnectivity.READY:
            await self._channel.wait_for_state_change(state)
            state = self._channel.get_state(try_to_connect=True)

    async def activate_jobs(
        self,
        task_type: str,
        worker: str,
        timeout_ms: int,
        max_jobs_to_activate: int,
        variables_to_fetch: Iterable[str] | None = None,
        request_timeout_ms: int = 0,
        tenant_ids: Iterable[str] | None = None,
    ) -> AsyncIterator[Job]:
        """Long-poll ``ActivateJobs`` and yield the jobs of every response message.

        ``variables_to_fetch=None`` fetches all variables. ``request_timeout_ms`` is the
        long-poll duration (0: the gateway's default, negative: no long polling).
        """
        request = pb.ActivateJobsRequest(
            type=task_type,
            worker=worker,
            timeout=timeout_ms,
            maxJobsToActivate=max_jobs_to_activate,
            fetchVariable=list(variables_to_fetch or ()),
            requestTimeout=request_timeout_ms,
            tenantIds=list(tenant_ids or ()),
        )
        deadline = max(request_timeout_ms, 0) / 1000 + ACTIVATE_DEADLINE_MARGIN_S
        call = self._stub.ActivateJobs(request, timeout=deadline)
        try:
            async for response in call:
                for msg in response.jobs:
                    yield job_from_proto(msg)
        except grpc.RpcError as exc:
            raise map_grpc_error(exc, "ActivateJobs") from exc
        finally:
            call.cancel()

    async def stream_activated_jobs(
        self,
        task_type: str,
        worker: str,
        timeout_ms: int,
        variables_to_fetch: Iterable[str] | None = None,
        tenant_ids: Iterable[str] | None = None,
        stream_timeout_s: float | None = None,
    ) -> AsyncIterator[Job]:
        """Open ``StreamActivatedJobs`` and yield jobs as the gateway pushes them.

        The stream ends with :class:`~zeebe_router.errors.DeadlineExceededError` when
        ``stream_timeout_s`` passes; reading slowly applies back-pressure (HTTP/2 flow
        control), so a caller with no capacity should simply not ask for the next job.
        """
        request = pb.StreamActivatedJobsRequest(
            type=task_type,
            worker=worker,
            timeout=timeout_ms,
            fetchVariable=list(variables_to_fetch or ()),
            tenantIds=list(tenant_ids or ()),
        )
        call = self._stub.StreamActivatedJobs(request, timeout=stream_timeout_s)
        try:
            async for msg in call:
                yield job_from_proto(msg)
        except grpc.RpcError as exc:
            raise map_grpc_error(exc, "StreamActivatedJobs") from exc
        finally:
            call.cancel()

    async def complete_job(
        self,
        job_key: int,
        variables: Mapping[str, Any] | None = None,
        result: JobResult | None = None,
    ) -> None:
        """Complete a job with ``variables`` and, for listeners, a ``JobResult``."""
        request = pb.CompleteJobRequest(jobKey=job_key, variables=_json.dumps(variables))
        if result is not None:
            request.result.CopyFrom(job_result_to_proto(result))
        # The per-job hot path: called directly rather than through `_unary`.
        try:
            await self._stub.CompleteJob(request, timeout=self._rpc_timeout)
        except grpc.RpcError as exc:
            raise map_grpc_error(exc, "CompleteJob") from exc

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        message: str,
        retry_backoff_ms: int = 0,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Fail a job, leaving it ``retries`` retries (<= 0 raises an incident)."""
        request = pb.FailJobRequest(
            jobKey=job_key,
            retries=retries,
            errorMessage=message,
            retryBackOff=retry_backoff_ms,
            variables=_json.dumps(variables),
        )
        await self._unary("FailJob", request)

    async def throw_error(
        self,
        job_key: int,
        code: str,
        message: str = "",
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Throw a BPMN error with ``code`` for a job."""
        request = pb.ThrowErrorRequest(
            jobKey=job_key,
            errorCode=code,
            errorMessage=message,
            variables=_json.dumps(variables),
        )
        await self._unary("ThrowError", request)

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        """Set a job's deadline to ``timeout_ms`` from now."""
        await self._unary(
            "UpdateJobTimeout", pb.UpdateJobTimeoutRequest(jobKey=job_key, timeout=timeout_ms)
        )

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        """Set the number of retries a job has left."""
        await self._unary(
            "UpdateJobRetries", pb.UpdateJobRetriesRequest(jobKey=job_key, retries=retries)
        )

    async def topology(self) -> Topology:
        """Describe the cluster behind the gateway."""
        msg: pb.TopologyResponse = await self._unary("Topology", pb.TopologyRequest())
        role = pb.Partition.PartitionBrokerRole.Name
        health = pb.Partition.PartitionBrokerHealth.Name
        return Topology(
            brokers=tuple(
                BrokerInfo(
                    node_id=b.nodeId,
                    host=b.host,
                    port=b.port,
                    version=b.version,
                    partitions=tuple(
                        PartitionInfo(p.partitionId, role(p.role), health(p.health))
                        for p in b.partitions
                    ),
                )
                for b in msg.brokers
            ),
            cluster_size=msg.clusterSize,
            partitions_count=msg.partitionsCount,
            replication_factor=msg.replicationFactor,
            gateway_version=msg.gatewayVersion,
            cluster_id=msg.clusterId,
        )

    async def _unary(self, rpc: str, request: Any, timeout: float | None = None) -> Any:
        """Call the unary ``rpc`` with ``request``, translating gRPC errors."""
        method = getattr(self._stub, rpc)
        try:
            return await method(request, timeout=timeout or self._rpc_timeout)
        except grpc.RpcError as exc:
            raise map_grpc_error(exc, rpc) from exc
