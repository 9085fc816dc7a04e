"""Plaintext and TLS channels to a Zeebe gateway."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import grpc

from zeebe_router.connection._env import UNSET, Unset, split_address, zeebe_address
from zeebe_router.connection._options import ChannelArgumentType
from zeebe_router.connection._options import channel_options as merge_options
from zeebe_router.connection._tls import tls_channel_credentials
from zeebe_router.errors import ConfigurationError

__all__ = ["create_insecure_channel", "create_secure_channel", "resolve_address"]


def resolve_address(grpc_address: str | Unset | None) -> str:
    """Return ``grpc_address`` as ``host:port``, or the address the environment gives."""
    if grpc_address is UNSET or grpc_address is None:
        return zeebe_address()[0]
    return split_address("grpc_address", grpc_address)[0]


def create_insecure_channel(
    grpc_address: str | Unset | None = UNSET,
    channel_options: ChannelArgumentType | Mapping[str, Any] | None = None,
) -> grpc.aio.Channel:
    """Open a plaintext channel (no TLS) to the gateway: for local and private networks.

    Args:
        grpc_address: ``host:port``; by default ``ZEEBE_ADDRESS`` or ``ZEEBE_GRPC_ADDRESS``,
            else ``localhost:26500``.
        channel_options: gRPC channel arguments; they override the defaults of
            :data:`DEFAULT_CHANNEL_OPTIONS`.
    """
    return grpc.aio.insecure_channel(
        resolve_address(grpc_address), options=merge_options(channel_options)
    )


def create_secure_channel(
    grpc_address: str | Unset | None = UNSET,
    channel_options: ChannelArgumentType | Mapping[str, Any] | None = None,
    channel_credentials: grpc.ChannelCredentials | None = None,
    *,
    root_certificates: bytes | None = None,
    root_certificates_path: str | Path | None = None,
    certificate_chain: bytes | None = None,
    certificate_chain_path: str | Path | None = None,
    private_key: bytes | None = None,
    private_key_path: str | Path | None = None,
) -> grpc.aio.Channel:
    """Open a TLS channel to the gateway, optionally with a custom CA and a client certificate.

    Args:
        grpc_address: ``host:port``; by default ``ZEEBE_ADDRESS`` or ``ZEEBE_GRPC_ADDRESS``,
            else ``localhost:26500``.
        channel_options: gRPC channel arguments overriding :data:`DEFAULT_CHANNEL_OPTIONS`.
        channel_credentials: ready-made credentials; by default the system's CAs, or those
            the certificate keywords describe (see :func:`tls_channel_credentials`).
        root_certificates: PEM CA bundle to trust instead of the system's.
        root_certificates_path: a file holding that bundle.
        certificate_chain: PEM client certificate for mutual TLS.
        certificate_chain_path: a file holding it.
        private_key: PEM key of the client certificate.
        private_key_path: a file holding it.

    Raises:
        ConfigurationError: ``channel_credentials`` is combined with certificate keywords,
            or a certificate cannot be read (see :func:`tls_channel_credentials`).
    """
    pems = {
        "root_certificates": root_certificates,
        "root_certificates_path": root_certificates_path,
        "certificate_chain": certificate_chain,
        "certificate_chain_path": certificate_chain_path,
        "private_key": private_key,
        "private_key_path": private_key_path,
    }
    given = sorted(name for name, value in pems.items() if value is not None)
    if channel_credentials is not None and given:
        raise ConfigurationError(f"pass either channel_credentials or {', '.join(given)}, not both")
    credentials = channel_credentials or tls_channel_credentials(
        root_certificates=root_certificates,
        root_certificates_path=root_certificates_path,
        certificate_chain=certificate_chain,
        certificate_chain_path=certificate_chain_path,
        private_key=private_key,
        private_key_path=private_key_path,
    )
    return grpc.aio.secure_channel(
        resolve_address(grpc_address), credentials, options=merge_options(channel_options)
    )
