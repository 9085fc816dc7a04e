"""Channels to a Zeebe gateway: plaintext, TLS (custom CA, mutual TLS), OAuth 2.0, Camunda SaaS."""

from zeebe_router.connection._auth import (
    BearerTokenUnaryStreamInterceptor,
    BearerTokenUnaryUnaryInterceptor,
    bearer_token_interceptors,
)
from zeebe_router.connection._channels import create_insecure_channel, create_secure_channel
from zeebe_router.connection._env import DEFAULT_ZEEBE_ADDRESS, UNSET, Unset, zeebe_address
from zeebe_router.connection._from_env import (
    ConnectionKind,
    ConnectionOverrides,
    ConnectionSettings,
    channel_from_env,
)
from zeebe_router.connection._oauth import DEFAULT_TOKEN_TIMEOUT_S, OAuth2ClientCredentials
from zeebe_router.connection._oauth_channels import (
    CAMUNDA_CLOUD_AUDIENCE,
    CAMUNDA_CLOUD_REGION,
    CAMUNDA_CLOUD_TOKEN_URL,
    camunda_cloud_address,
    create_camunda_cloud_channel,
    create_oauth2_client_credentials_channel,
    oauth2_channel,
)
from zeebe_router.connection._options import (
    DEFAULT_CHANNEL_OPTIONS,
    ChannelArgumentType,
    channel_options,
)
from zeebe_router.connection._tls import tls_channel_credentials

__all__ = [
    "CAMUNDA_CLOUD_AUDIENCE",
    "CAMUNDA_CLOUD_REGION",
    "CAMUNDA_CLOUD_TOKEN_URL",
    "DEFAULT_CHANNEL_OPTIONS",
    "DEFAULT_TOKEN_TIMEOUT_S",
    "DEFAULT_ZEEBE_ADDRESS",
    "UNSET",
    "BearerTokenUnaryStreamInterceptor",
    "BearerTokenUnaryUnaryInterceptor",
    "ChannelArgumentType",
    "ConnectionKind",
    "ConnectionOverrides",
    "ConnectionSettings",
    "OAuth2ClientCredentials",
    "Unset",
    "bearer_token_interceptors",
    "camunda_cloud_address",
    "channel_from_env",
    "channel_options",
    "create_camunda_cloud_channel",
    "create_insecure_channel",
    "create_oauth2_client_credentials_channel",
    "create_secure_channel",
    "oauth2_channel",
    "tls_channel_credentials",
    "zeebe_address",
]
