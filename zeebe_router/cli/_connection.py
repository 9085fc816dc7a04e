"""Connection flags shared by every command that talks to a gateway, and the channel they make.

A flag overrides the environment variable of the same setting (named in each flag's help);
what no flag gives is read from the environment by
:func:`zeebe_router.connection.channel_from_env`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from zeebe_router.cli._errors import UsageError

if TYPE_CHECKING:
    import grpc

    from zeebe_router.connection import ConnectionOverrides

__all__ = ["ConnectionFlags", "add_connection_arguments", "open_channel"]

#: flag attribute -> keyword of ``channel_from_env``.
_OVERRIDE_NAMES: Mapping[str, str] = {
    "address": "grpc_address",
    "ca_cert": "ca_certificate_path",
    "client_id": "client_id",
    "client_secret": "client_secret",
    "oauth_url": "authorization_server",
    "audience": "audience",
    "cluster_id": "cluster_id",
    "cluster_region": "region",
}

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

    def overrides(self) -> ConnectionOverrides:
        """The given flags as keyword overrides of ``channel_from_env``."""
        given: ConnectionOverrides = {}
        for name, key in _OVERRIDE_NAMES.items():
            value = getattr(self, name)
            if value:
                given[key] = value  # type: ignore[literal-required]
        if self.tls or self.ca_cert or self.client_cert:
            given["insecure"] = False
        return given

    def environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """``env`` (default: the process environment) with the given flags written over it.

        Raises:
            UsageError: a client certificate is given; only a channel can carry it.
        """
        if self.client_cert or self.client_key:
            raise UsageError("--client-cert and --client-key need a channel made by zeebe-router")
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
    """Open the channel the flags, then the environment, then the defaults describe.

    Raises:
        ConfigurationError: the settings are inconsistent or a certificate cannot be read.
        UsageError: a client certificate is given without its key, or without TLS.
    """
    from zeebe_router.connection import (
        ConnectionSettings,
        OAuth2ClientCredentials,
        create_secure_channel,
        oauth2_channel,
        tls_channel_credentials,
    )

    settings = ConnectionSettings.from_env(**flags.overrides())
    if not (flags.client_cert or flags.client_key):
        return settings.create_channel()
    if not (flags.client_cert and flags.client_key):
        raise UsageError("--client-cert and --client-key must be given together")
    if settings.kind == "insecure" or settings.insecure:
        raise UsageError("--client-cert needs TLS, but the connection is plaintext")
    tls = tls_channel_credentials(
        root_certificates_path=settings.ca_certificate_path,
        certificate_chain_path=flags.client_cert,
        private_key_path=flags.client_key,
    )
    if settings.kind == "tls":
        return create_secure_channel(settings.address, channel_credentials=tls)
    credentials = OAuth2ClientCredentials(
        settings.client_id or "",
        settings.client_secret or "",
        settings.authorization_server or "",
        audience=settings.audience,
        scope=settings.scope,
    )
    return oauth2_channel(settings.address, credentials, channel_credentials=tls)
