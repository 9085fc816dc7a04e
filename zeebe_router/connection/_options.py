"""The gRPC channel options every zeebe-router channel starts from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeAlias

__all__ = ["DEFAULT_CHANNEL_OPTIONS", "ChannelArgumentType", "channel_options"]

#: gRPC channel arguments as ``(name, value)`` pairs, as ``grpc.aio.*_channel`` takes them.
ChannelArgumentType: TypeAlias = Sequence[tuple[str, Any]]

#: Options for long-lived job streams and long polls; the caller's options override them.
#:
#: - ``grpc.keepalive_time_ms`` 45 s: a ping on a quiet connection every 45 s, as the Java
#:   and Go clients send; gateways permit pings every 30 s, and load balancers commonly drop
#:   connections idle for 60 s or more.
#: - ``grpc.http2.max_pings_without_data`` 0: keep pinging while a job stream is open but
#:   idle (the default stops after two pings until data flows).
#: - ``grpc.max_receive_message_length`` 5 MiB, the Java client's default: an
#:   ``ActivateJobs`` batch can reach the broker's 4 MB message limit plus framing, more
#:   than gRPC's own 4 MiB default lets through.
#: - ``grpc.enable_retries`` 0: the worker retries every rpc itself, with back-off, jitter
#:   and logging; retries hidden inside gRPC would multiply those attempts.
#: - ``grpc.max_reconnect_backoff_ms`` 5 s: gRPC's own reconnect back-off grows to 120 s by
#:   default, which would keep a worker away from a restarted gateway long after it is
#:   back; 5 s matches the worker's own back-off ceiling.
DEFAULT_CHANNEL_OPTIONS: Final[tuple[tuple[str, Any], ...]] = (
    ("grpc.keepalive_time_ms", 45_000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.max_receive_message_length", 5 * 1024 * 1024),
    ("grpc.enable_retries", 0),
    ("grpc.max_reconnect_backoff_ms", 5_000),
)


def channel_options(
    options: ChannelArgumentType | Mapping[str, Any] | None = None,
) -> tuple[tuple[str, Any], ...]:
    """Merge the caller's ``options`` over :data:`DEFAULT_CHANNEL_OPTIONS`.

    The caller's value wins for every name both give; the first of duplicate names wins.
    """
    given = options.items() if isinstance(options, Mapping) else (options or ())
    merged: dict[str, Any] = {}
    for name, value in (*given, *DEFAULT_CHANNEL_OPTIONS):
        merged.setdefault(name, value)
    return tuple(merged.items())
