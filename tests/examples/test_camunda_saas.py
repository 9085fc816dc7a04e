"""examples/camunda_saas.py: the connection is configured from an environment mapping."""

from __future__ import annotations

import grpc
import pytest

from examples import camunda_saas
from zeebe_router.errors import ConfigurationError

SAAS = {
    "CAMUNDA_CLUSTER_ID": "c0ffee",
    "CAMUNDA_CLUSTER_REGION": "jfk-1",
    "CAMUNDA_CLIENT_ID": "orders-worker",
    "CAMUNDA_CLIENT_SECRET": "s3cr3t",
}


def test_saas_variables_give_a_cloud_connection() -> None:
    settings = camunda_saas.connection(SAAS)
    assert settings.kind == "cloud"
    assert settings.address == "c0ffee.jfk-1.zeebe.camunda.io:443"
    assert settings.client_id == "orders-worker"
    assert settings.authorization_server == "https://login.cloud.camunda.io/oauth/token"
    assert settings.audience == "zeebe.camunda.io"
    assert "s3cr3t" not in repr(settings)


def test_self_managed_oauth_variables_give_an_oauth_connection() -> None:
    settings = camunda_saas.connection(
        {
            "ZEEBE_ADDRESS": "zeebe.internal:26500",
            "ZEEBE_CLIENT_ID": "orders-worker",
            "ZEEBE_CLIENT_SECRET": "s3cr3t",
            "ZEEBE_AUTHORIZATION_SERVER_URL": "https://keycloak.internal/token",
            "ZEEBE_TOKEN_AUDIENCE": "zeebe-api",
        }
    )
    assert (settings.kind, settings.address, settings.audience) == (
        "oauth",
        "zeebe.internal:26500",
        "zeebe-api",
    )


def test_no_variables_give_plaintext_to_localhost() -> None:
    settings = camunda_saas.connection({})
    assert (settings.kind, settings.address) == ("insecure", "localhost:26500")


def test_a_missing_secret_is_named() -> None:
    env = {k: v for k, v in SAAS.items() if k != "CAMUNDA_CLIENT_SECRET"}
    with pytest.raises(ConfigurationError, match="CLIENT_SECRET"):
        camunda_saas.connection(env)


async def test_the_saas_channel_is_built_without_connecting() -> None:
    channel = camunda_saas.explicit_saas_channel("orders-worker", "s3cr3t", "c0ffee")
    assert isinstance(channel, grpc.aio.Channel)
    await channel.close(None)
