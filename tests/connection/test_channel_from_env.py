"""channel_from_env / ConnectionSettings.from_env: which channel each environment gives."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from zeebe_router.connection import ConnectionSettings, channel_from_env
from zeebe_router.errors import ConfigurationError
from zeebe_router.gateway import ZeebeGateway

if TYPE_CHECKING:
    from .conftest import GrpcServer, Pki, TokenServer

OAUTH = {
    "ZEEBE_ADDRESS": "zeebe.internal:26500",
    "ZEEBE_CLIENT_ID": "orders",
    "ZEEBE_CLIENT_SECRET": "hunter2",
    "ZEEBE_AUTHORIZATION_SERVER_URL": "https://idp.internal/token",
}


def test_nothing_set_means_plaintext_to_localhost() -> None:
    settings = ConnectionSettings.from_env({})
    assert (settings.kind, settings.address) == ("insecure", "localhost:26500")


@pytest.mark.parametrize(
    ("env", "kind", "address"),
    [
        ({"ZEEBE_ADDRESS": "gw:26500"}, "insecure", "gw:26500"),
        ({"ZEEBE_GRPC_ADDRESS": "http://gw:26500"}, "insecure", "gw:26500"),
        ({"ZEEBE_GRPC_ADDRESS": "https://gw.example.com"}, "tls", "gw.example.com:443"),
        ({"ZEEBE_GRPC_ADDRESS": "grpcs://gw:8443"}, "tls", "gw:8443"),
        ({"ZEEBE_ADDRESS": "gw:443", "ZEEBE_INSECURE_CONNECTION": "false"}, "tls", "gw:443"),
        (
            {"ZEEBE_ADDRESS": "gw:26500", "ZEEBE_INSECURE_CONNECTION": "TRUE"},
            "insecure",
            "gw:26500",
        ),
    ],
)
def test_address_and_transport(env: dict[str, str], kind: str, address: str) -> None:
    settings = ConnectionSettings.from_env(env)
    assert (settings.kind, settings.address) == (kind, address)


def test_a_ca_file_means_tls(pki: Pki) -> None:
    settings = ConnectionSettings.from_env({"ZEEBE_CA_CERTIFICATE_PATH": str(pki.ca_path)})
    assert settings.kind == "tls"
    assert settings.ca_certificate_path == pki.ca_path


def test_client_credentials_mean_oauth_over_tls() -> None:
    settings = ConnectionSettings.from_env({**OAUTH, "ZEEBE_TOKEN_SCOPE": "zeebe"})
    assert settings.kind == "oauth"
    assert settings.address == "zeebe.internal:26500"
    assert (settings.client_id, settings.authorization_server) == (
        "orders",
        "https://idp.internal/token",
    )
    assert settings.scope == "zeebe"
    assert settings.audience is None
    assert not settings.insecure
    assert "hunter2" not in repr(settings)


def test_camunda_names_work_as_well() -> None:
    env = {
        "CAMUNDA_CLIENT_ID": "orders",
        "CAMUNDA_CLIENT_SECRET": "hunter2",
        "CAMUNDA_OAUTH_URL": "https://idp.internal/token",
        "CAMUNDA_TOKEN_AUDIENCE": "zeebe-api",
        "ZEEBE_INSECURE_CONNECTION": "true",
    }
    settings = ConnectionSettings.from_env(env)
    assert (settings.kind, settings.audience, settings.insecure) == ("oauth", "zeebe-api", True)


def test_a_cluster_id_means_camunda_saas_with_its_defaults() -> None:
    env = {
        "CAMUNDA_CLUSTER_ID": "abc-123",
        "CAMUNDA_CLIENT_ID": "orders",
        "CAMUNDA_CLIENT_SECRET": "hunter2",
    }
    settings = ConnectionSettings.from_env(env)
    assert settings.kind == "cloud"
    assert settings.address == "abc-123.bru-2.zeebe.camunda.io:443"
    assert settings.authorization_server == "https://login.cloud.camunda.io/oauth/token"
    assert settings.audience == "zeebe.camunda.io"
    regional = ConnectionSettings.from_env({**env, "CAMUNDA_CLUSTER_REGION": "syd-1"})
    assert regional.address == "abc-123.syd-1.zeebe.camunda.io:443"


def test_keywords_win_over_the_environment() -> None:
    settings = ConnectionSettings.from_env(
        OAUTH, grpc_address="other:26500", client_id="billing", audience="zeebe-api"
    )
    assert (settings.address, settings.client_id, settings.audience) == (
        "other:26500",
        "billing",
        "zeebe-api",
    )
    plain = ConnectionSettings.from_env({"ZEEBE_INSECURE_CONNECTION": "false"}, insecure=True)
    assert plain.kind == "insecure"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ZEEBE_INSECURE_CONNECTION": "maybe"}, "ZEEBE_INSECURE_CONNECTION"),
        ({"ZEEBE_CLIENT_ID": "orders"}, "ZEEBE_CLIENT_SECRET"),
        ({"CAMUNDA_CLIENT_SECRET": "hunter2"}, "ZEEBE_CLIENT_ID"),
        (
            {"ZEEBE_CLIENT_ID": "orders", "ZEEBE_CLIENT_SECRET": "hunter2"},
            "ZEEBE_AUTHORIZATION_SERVER_URL",
        ),
        ({"CAMUNDA_CLUSTER_ID": "abc"}, "ZEEBE_CLIENT_ID"),
        ({"ZEEBE_CA_CERTIFICATE_PATH": "/nowhere/ca.pem"}, "ZEEBE_CA_CERTIFICATE_PATH"),
        ({"ZEEBE_GRPC_ADDRESS": "ftp://gw:21"}, "ZEEBE_GRPC_ADDRESS"),
        ({"ZEEBE_CLIENT_ID": "a", "CAMUNDA_CLIENT_ID": "b"}, "CAMUNDA_CLIENT_ID"),
        (
            {**OAUTH, "CAMUNDA_CLUSTER_ID": "abc", "ZEEBE_INSECURE_CONNECTION": "1"},
            "ZEEBE_INSECURE_CONNECTION",
        ),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        ConnectionSettings.from_env(env)


def test_plaintext_and_a_ca_file_contradict_each_other(pki: Pki) -> None:
    env = {"ZEEBE_INSECURE_CONNECTION": "yes", "ZEEBE_CA_CERTIFICATE_PATH": str(pki.ca_path)}
    with pytest.raises(ConfigurationError, match="ZEEBE_CA_CERTIFICATE_PATH"):
        ConnectionSettings.from_env(env)


async def test_plaintext_channel_reaches_the_gateway(plain_server: GrpcServer) -> None:
    async with channel_from_env({"ZEEBE_ADDRESS": plain_server.address}) as channel:
        assert (await ZeebeGateway(channel).topology()).cluster_size == 3


async def test_tls_channel_trusts_the_configured_ca(tls_server: GrpcServer, pki: Pki) -> None:
    env = {"ZEEBE_ADDRESS": tls_server.address, "ZEEBE_CA_CERTIFICATE_PATH": str(pki.ca_path)}
    async with channel_from_env(env) as channel:
        assert (await ZeebeGateway(channel).topology()).cluster_size == 3


async def test_oauth_channel_over_tls_sends_tokens(
    tls_server: GrpcServer, token_server: TokenServer, pki: Pki
) -> None:
    env = {
        "ZEEBE_GRPC_ADDRESS": f"https://{tls_server.address}",
        "CAMUNDA_CLIENT_ID": token_server.client_id,
        "CAMUNDA_CLIENT_SECRET": token_server.client_secret,
        "CAMUNDA_OAUTH_URL": token_server.url,
        "ZEEBE_CA_CERTIFICATE_PATH": str(pki.ca_path),
        "ZEEBE_TOKEN_AUDIENCE": "zeebe-api",
    }
    async with channel_from_env(env) as channel:
        gateway = ZeebeGateway(channel)
        await gateway.topology()
        await gateway.topology()
    assert token_server.requests == 1
    assert token_server.forms[0]["audience"] == "zeebe-api"
    assert tls_server.gateway.authorizations == [f"Bearer {token_server.issued[0]}"] * 2
