"""TLS and mutual TLS against a real grpc.aio server with trustme certificates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from zeebe_router.connection import create_secure_channel, tls_channel_credentials
from zeebe_router.errors import ConfigurationError, GatewayUnavailableError
from zeebe_router.gateway import ZeebeGateway

if TYPE_CHECKING:
    from .conftest import GrpcServer, Pki


async def test_one_way_tls_with_a_ca_file(tls_server: GrpcServer, pki: Pki) -> None:
    channel = create_secure_channel(tls_server.address, root_certificates_path=pki.ca_path)
    async with channel:
        topology = await ZeebeGateway(channel).topology()
    assert topology.cluster_size == 3
    assert topology.gateway_version == "8.9.0"


async def test_one_way_tls_with_ca_bytes(tls_server: GrpcServer, pki: Pki) -> None:
    channel = create_secure_channel(tls_server.address, root_certificates=pki.ca_path.read_bytes())
    async with channel:
        assert (await ZeebeGateway(channel).topology()).partitions_count == 2


async def test_tls_rejects_a_gateway_signed_by_an_unknown_ca(tls_server: GrpcServer) -> None:
    channel = create_secure_channel(tls_server.address)  # system CAs only
    async with channel:
        with pytest.raises(GatewayUnavailableError):
            await ZeebeGateway(channel, rpc_timeout=10).topology()


async def test_mutual_tls_with_a_client_certificate(mtls_server: GrpcServer, pki: Pki) -> None:
    channel = create_secure_channel(
        mtls_server.address,
        root_certificates_path=pki.ca_path,
        certificate_chain_path=pki.client_cert_path,
        private_key_path=str(pki.client_key_path),
    )
    async with channel:
        assert (await ZeebeGateway(channel).topology()).cluster_size == 3


async def test_mutual_tls_fails_without_a_client_certificate(
    mtls_server: GrpcServer, pki: Pki
) -> None:
    channel = create_secure_channel(mtls_server.address, root_certificates_path=pki.ca_path)
    async with channel:
        with pytest.raises(GatewayUnavailableError):
            await ZeebeGateway(channel, rpc_timeout=10).topology()


async def test_ready_made_credentials_work_like_the_keywords(
    mtls_server: GrpcServer, pki: Pki
) -> None:
    credentials = tls_channel_credentials(
        root_certificates_path=pki.ca_path,
        certificate_chain=pki.client_cert_path.read_bytes(),
        private_key=pki.client_key_path.read_bytes(),
    )
    channel = create_secure_channel(mtls_server.address, channel_credentials=credentials)
    async with channel:
        assert (await ZeebeGateway(channel).topology()).cluster_size == 3


def test_a_missing_ca_file_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"no-such-ca\.pem"):
        create_secure_channel("127.0.0.1:1", root_certificates_path="/nowhere/no-such-ca.pem")


def test_a_client_certificate_needs_its_key(pki: Pki) -> None:
    with pytest.raises(ConfigurationError, match="private key"):
        tls_channel_credentials(certificate_chain_path=pki.client_cert_path)


def test_credentials_and_certificate_keywords_exclude_each_other(pki: Pki) -> None:
    with pytest.raises(ConfigurationError, match="root_certificates_path"):
        create_secure_channel(
            "127.0.0.1:1",
            channel_credentials=tls_channel_credentials(),
            root_certificates_path=pki.ca_path,
        )
