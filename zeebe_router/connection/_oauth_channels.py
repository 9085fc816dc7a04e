"""Channels authenticated with OAuth 2.0 client credentials: self-managed and Camunda SaaS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import grpc

from zeebe_router.connection._auth import bearer_token_interceptors
from zeebe_router.connection._channels import resolve_address
from zeebe_router.connection._env import (
    AUDIENCE_VARS,
    CLIENT_ID_VARS,
    CLIENT_SECRET_VARS,
    CLUSTER_ID_VARS,
    OAUTH_URL_VARS,
    REGION_VARS,
    SCOPE_VARS,
    UNSET,
    Unset,
    environ,
    first_of,
)
from zeebe_router.connection._oauth import DEFAULT_TOKEN_TIMEOUT_S, OAuth2ClientCredentials
from zeebe_router.connection._options import ChannelArgumentType
from zeebe_router.connection._options import channel_options as merge_options
from zeebe_router.errors import ConfigurationError

__all__ = [
    "CAMUNDA_CLOUD_AUDIENCE",
    "CAMUNDA_CLOUD_REGION",
    "CAMUNDA_CLOUD_TOKEN_URL",
    "camunda_cloud_address",
    "create_camunda_cloud_channel",
    "create_oauth2_client_credentials_channel",
    "oauth2_channel",
]

#: The token endpoint of Camunda SaaS.
CAMUNDA_CLOUD_TOKEN_URL: Final = "https://login.cloud.camunda.io/oauth/token"
#: The token audience of Camunda SaaS Zeebe clusters.
CAMUNDA_CLOUD_AUDIENCE: Final = "zeebe.camunda.io"
#: The region a Camunda SaaS cluster is in unless told otherwise.
CAMUNDA_CLOUD_REGION: Final = "bru-2"


def camunda_cloud_address(cluster_id: str, region: str = CAMUNDA_CLOUD_REGION) -> str:
    """The gRPC address of a Camunda SaaS cluster."""
    return f"{cluster_id}.{region}.zeebe.camunda.io:443"


def _from_env(
    value: str | Unset | None, names: tuple[str, ...], default: str | None = None
) -> str | None:
    """``value`` if given (``None`` included), else the first variable of ``names`` that is set."""
    if value is not UNSET:
        return value
    found = first_of(environ(None), *names)
    return found[1] if found else default


def _required(
    value: str | Unset | None, names: tuple[str, ...], what: str, default: str | None = None
) -> str:
    """As :func:`_from_env`, but an empty result is ``default`` or an error naming ``what``."""
    resolved = _from_env(value, names) or default
    if not resolved:
        raise ConfigurationError(f"no {what}: pass {what} or set {' or '.join(names)}")
    return resolved


def oauth2_channel(
    grpc_address: str,
    credentials: OAuth2ClientCredentials,
    *,
    channel_credentials: grpc.ChannelCredentials | None = None,
    channel_options: ChannelArgumentType | Mapping[str, Any] | None = None,
    insecure: bool = False,
) -> grpc.aio.Channel:
    """Open a channel whose calls carry tokens from ``credentials``.

    Args:
        grpc_address: ``host:port`` of the gateway.
        credentials: where tokens come from (shareable by several channels on one loop).
        channel_credentials: TLS settings; by default the system's CAs.
        channel_options: gRPC channel arguments overriding :data:`DEFAULT_CHANNEL_OPTIONS`.
        insecure: send over plaintext (for a gateway behind a TLS-terminating proxy or in
            a private network); tokens then travel unencrypted.
    """
    options = merge_options(channel_options)
    interceptors = bearer_token_interceptors(credentials)
    if insecure:
        if channel_credentials is not None:
            raise ConfigurationError("insecure=True cannot be combined with channel_credentials")
        return grpc.aio.insecure_channel(grpc_address, options=options, interceptors=interceptors)
    return grpc.aio.secure_channel(
        grpc_address,
        channel_credentials or grpc.ssl_channel_credentials(),
        options=options,
        interceptors=interceptors,
    )


def create_oauth2_client_credentials_channel(
    grpc_address: str | Unset | None = UNSET,
    client_id: str | Unset = UNSET,
    client_secret: str | Unset = UNSET,
    authorization_server: str | Unset = UNSET,
    scope: str | Unset | None = UNSET,
    audience: str | Unset | None = UNSET,
    channel_credentials: grpc.ChannelCredentials | None = None,
    channel_options: ChannelArgumentType | Mapping[str, Any] | None = None,
    leeway: int = 60,
    expire_in: int | None = None,
    *,
    insecure: bool = False,
    timeout: float = DEFAULT_TOKEN_TIMEOUT_S,
) -> grpc.aio.Channel:
    """Open a channel to a self-managed Camunda 8 gateway, authenticated with OAuth 2.0.

    Each argument left out is read from the environment: ``ZEEBE_ADDRESS`` /
    ``ZEEBE_GRPC_ADDRESS`` (else ``localhost:26500``), ``ZEEBE_CLIENT_ID`` /
    ``CAMUNDA_CLIENT_ID``, ``ZEEBE_CLIENT_SECRET`` / ``CAMUNDA_CLIENT_SECRET``,
    ``ZEEBE_AUTHORIZATION_SERVER_URL`` / ``CAMUNDA_OAUTH_URL``, ``ZEEBE_TOKEN_AUDIENCE`` /
    ``CAMUNDA_TOKEN_AUDIENCE`` and ``ZEEBE_TOKEN_SCOPE`` / ``CAMUNDA_TOKEN_SCOPE``.

    Args:
        grpc_address: ``host:port`` of the gateway.
        client_id: the OAuth client id.
        client_secret: its secret.
        authorization_server: the token endpoint URL.
        scope: the scope to request (``None``: none).
        audience: the audience to request (``None``: none).
        channel_credentials: TLS settings; by default the system's CAs.
        channel_options: gRPC channel arguments overriding :data:`DEFAULT_CHANNEL_OPTIONS`.
        leeway: seconds before expiry at which a token is replaced.
        expire_in: lifetime assumed for tokens whose answer has no ``expires_in``.
        insecure: send over plaintext instead of TLS.
        timeout: bound, in seconds, on one token request.

    Raises:
        ConfigurationError: the client id, secret or token endpoint is given nowhere.

    Token failures surface on the first call: ``InvalidOAuthCredentialsError`` for rejected
    credentials, ``OAuthServerUnreachableError`` otherwise.
    """
    credentials = OAuth2ClientCredentials(
        _required(client_id, CLIENT_ID_VARS, "client_id"),
        _required(client_secret, CLIENT_SECRET_VARS, "client_secret"),
        _required(authorization_server, OAUTH_URL_VARS, "authorization_server"),
        scope=_from_env(scope, SCOPE_VARS),
        audience=_from_env(audience, AUDIENCE_VARS),
        leeway=leeway,
        expire_in=expire_in,
        timeout=timeout,
    )
    return oauth2_channel(
        resolve_address(grpc_address),
        credentials,
        channel_credentials=channel_credentials,
        channel_options=channel_options,
        insecure=insecure,
    )


def create_camunda_cloud_channel(
    client_id: str | Unset = UNSET,
    client_secret: str | Unset = UNSET,
    cluster_id: str | Unset = UNSET,
    region: str | Unset = UNSET,
    authorization_server: str | Unset = UNSET,
    scope: str | Unset | None = UNSET,
    audience: str | Unset | None = UNSET,
    channel_credentials: grpc.ChannelCredentials | None = None,
    channel_options: ChannelArgumentType | Mapping[str, Any] | None = None,
    leeway: int = 60,
    expire_in: int | None = None,
    *,
    timeout: float = DEFAULT_TOKEN_TIMEOUT_S,
) -> grpc.aio.Channel:
    """Open a TLS channel to a Camunda 8 SaaS cluster, authenticated with OAuth 2.0.

    The address is ``{cluster_id}.{region}.zeebe.camunda.io:443``. Each argument left out
    is read from the environment (``CAMUNDA_CLUSTER_ID``, ``CAMUNDA_CLUSTER_REGION``, and
    the client variables of :func:`create_oauth2_client_credentials_channel`); the region
    defaults to ``bru-2``, the token endpoint to ``https://login.cloud.camunda.io/oauth/token``
    and the audience to ``zeebe.camunda.io``.

    Raises:
        ConfigurationError: the client id, secret or cluster id is given nowhere.
    """
    address = camunda_cloud_address(
        _required(cluster_id, CLUSTER_ID_VARS, "cluster_id"),
        _required(region, REGION_VARS, "region", CAMUNDA_CLOUD_REGION),
    )
    credentials = OAuth2ClientCredentials(
        _required(client_id, CLIENT_ID_VARS, "client_id"),
        _required(client_secret, CLIENT_SECRET_VARS, "client_secret"),
        _required(
            authorization_server, OAUTH_URL_VARS, "authorization_server", CAMUNDA_CLOUD_TOKEN_URL
        ),
        scope=_from_env(scope, SCOPE_VARS),
        audience=_from_env(audience, AUDIENCE_VARS, CAMUNDA_CLOUD_AUDIENCE),
        leeway=leeway,
        expire_in=expire_in,
        timeout=timeout,
    )
    return oauth2_channel(
        address,
        credentials,
        channel_credentials=channel_credentials,
        channel_options=channel_options,
    )
