"""Typed answers of the gateway's rpcs, free of protocol classes."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BrokerInfo", "PartitionInfo", "Topology"]


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    """One partition as a broker sees it."""

    partition_id: int
    role: str
    health: str


@dataclass(frozen=True, slots=True)
class BrokerInfo:
    """A broker of the cluster and the partitions it holds."""

    node_id: int
    host: str
    port: int
    version: str
    partitions: tuple[PartitionInfo, ...]


@dataclass(frozen=True, slots=True)
class Topology:
    """The cluster as the gateway describes it (``Topology`` rpc)."""

    brokers: tuple[BrokerInfo, ...]
    cluster_size: int
    partitions_count: int
    replication_factor: int
    gateway_version: str
    cluster_id: str = ""
