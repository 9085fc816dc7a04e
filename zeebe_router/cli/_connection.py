"""Connection flags shared by every command that talks to a gateway, and the channel they make.

A flag overrides the environment variable of the same setting (DESIGN §7 names); what no
flag gives is read from the environment by :func:`zeebe_router.connection.channel_from_env`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import grpc

__all__ = ["ConnectionFlags", "add_connection_arguments", "open_channel"]

#: flag attribute -> the environment variables it replaces (the first is set, the rest removed).
_ENV_NAMES: Mapping[str, tuple[str, ...]] = {
    "address": ("ZEEBE_ADDRESS", "ZEEBE_GRPC_ADDRESS"),
    "ca_cert": ("ZEEBE_CA_CERTIFICATE_PATH",),
    "client_id": ("ZEEBE_CLIENT_ID", "CAMUNDA_CLIENT_ID"),
    "client_secret": ("ZEEBE_CLIENT_SECRET", "CAMUNDA_CLIENT_SECRET"),
    "oauth_url": ("ZEEBE_AUTHORIZATION_SERVER_URL", "CAMUNDA_OAUTH_URL"),
    "audience": ("ZEEBE_TOKEN_AUDIENCE", "CAMUNDA_TOKEN_AUDIENCE"),
    "cluster_id": ("CAMUNDA_CLUSTER_ID",),
    "cluster_region": ("CAMUNDA_CLUSTER_REGION",),
}


@dataclass(frozen=True)
class ConnectionFlags:
    """The connection settings given on the command line (``None``/``False``: not given)."""

    address: str | None = None
    tls: bool = False
    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    oauth_url: str | None = None
    audience: str | None = None
    cluster_id: str | None = None
    cluster_region: str | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ConnectionFlags:
        """Pick the connection flags out of parsed arguments."""
        return cls(**{f.name: getattr(args, f.name) for f in fields(cls)})

    def given(self) -> list[str]:
        """The command-line spelling of every flag that was given."""
        return ["--" + f.name.replace("_", "-") for f in fields(self) if getattr(self, f.name)]

    def environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """``env`` (default: the process environment) with the given flags written over it."""
        merged = dict(os.environ if env is None else env)
        for name, env_names in _ENV_NAMES.items():
            value = getattr(self, name)
            if value:
                for alias in env_names:
                    merged.pop(alias, None)
                merged[env_names[0]] = value
        if self.tls or self.ca_cert or self.client_cert:
            merged["ZEEBE_INSECURE_CONNECTION"] = "false"
        return merged


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the gateway address, TLS and OAuth flags to ``parser``."""
    group = parser.add_argument_group(
        "connection", "Flags override the environment variables named in brackets."
    )
    group.add_argument(
        "--address",
        metavar="HOST:PORT",
        help="gateway address [ZEEBE_ADDRESS, ZEEBE_GRPC_ADDRESS; default localhost:26500]",
    )
    group.add_argument("--tls", action="store_true", help="connect with TLS")
    group.add_argument(
        "--ca-cert",
        metavar="PEM",
        help="CA bundle to trust (implies --tls) [ZEEBE_CA_CERTIFICATE_PATH]",
    )
    group.add_argument("--client-cert", metavar="PEM", help="client certificate for mutual TLS")
    group.add_argument("--client-key", metavar="PEM", help="private key of --client-cert")
    group.add_argument("--client-id", help="OAuth client id [ZEEBE_CLIENT_ID, CAMUNDA_CLIENT_ID]")
    group.add_argument(
        "--client-secret",
        help="OAuth client secret [ZEEBE_CLIENT_SECRET, CAMUNDA_CLIENT_SECRET]; prefer the "
        "environment, command lines are visible to other users",
    )
    group.add_argument(
        "--oauth-url",
        metavar="URL",
        help="OAuth token endpoint [ZEEBE_AUTHORIZATION_SERVER_URL, CAMUNDA_OAUTH_URL]",
    )
    group.add_argument(
        "--audience", help="OAuth token audience [ZEEBE_TOKEN_AUDIENCE, CAMUNDA_TOKEN_AUDIENCE]"
    )
    group.add_argument("--cluster-id", help="Camunda SaaS cluster id [CAMUNDA_CLUSTER_ID]")
    group.add_argument(
        "--cluster-region", help="Camunda SaaS cluster region [CAMUNDA_CLUSTER_REGION]"
    )


def open_channel(flags: ConnectionFlags) -> grpc.aio.Channel:
    """Open the channel the flags and the environment describe.

    Raises:
        ConfigurationError: the settings are inconsistent or a certificate cannot be read.
    """
    from zeebe_router.connection import channel_from_env

    return channel_from_env(env=flags.environment())
