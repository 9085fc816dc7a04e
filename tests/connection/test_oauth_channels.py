"""OAuth 2.0 client credentials against a real token endpoint and a real grpc.aio server."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from typing import TYPE_CHECKING

import pytest

from zeebe_router.connection import (
    OAuth2ClientCredentials,
    bearer_token_interceptors,
    create_oauth2_client_credentials_channel,
    oauth2_channel,
)
from zeebe_router.errors import (
    ConfigurationError,
    InvalidOAuthCredentialsError,
    OAuthServerUnreachableError,
    UnauthenticatedError,
)
from zeebe_router.gateway import ZeebeGateway

if TYPE_CHECKING:
    from .conftest import GrpcServer, Pki, TokenServer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def credentials_for(
    tokens: TokenServer, *, secret: str | None = None, **kwargs: object
) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(
        tokens.client_id,
        secret or tokens.client_secret,
        tokens.url,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_calls_carry_the_token_and_share_one_request(
    plain_server: GrpcServer, token_server: TokenServer
) -> None:
    plain_server.gateway.tokens = set()
    token_server.expires_in = 300
    credentials = credentials_for(token_server)
    # The gateway accepts whatever the endpoint issued.
    plain_server.gateway.tokens = _Issued(token_server)  # type: ignore[assignment]
    async with oauth2_channel(plain_server.address, credentials, insecure=True) as channel:
        gateway = ZeebeGateway(channel)
        results = await asyncio.gather(*(gateway.topology() for _ in range(10)))
        assert all(t.cluster_size == 3 for t in results)
        jobs = [job async for job in gateway.activate_jobs("oauth-shared", "w", 1000, 1)]
    assert [job.key for job in jobs] == [7]
    assert token_server.requests == 1
    assert set(plain_server.gateway.authorizations) == {f"Bearer {token_server.issued[0]}"}


class _Issued:
    """A live view of the tokens the endpoint issued, as the gateway's accepted set."""

    def __init__(self, tokens: TokenServer, revoked: set[str] | None = None) -> None:
        self._tokens = tokens
        self.revoked: set[str] = revoked if revoked is not None else set()

    def __contains__(self, token: object) -> bool:
        return token in self._tokens.issued and token not in self.revoked


async def test_token_request_sends_client_credentials_audience_and_scope(
    plain_server: GrpcServer, token_server: TokenServer
) -> None:
    credentials = credentials_for(token_server, audience="zeebe-api", scope="zeebe:write")
    async with oauth2_channel(plain_server.address, credentials, insecure=True) as channel:
        await ZeebeGateway(channel).topology()
    assert token_server.forms == [
        {
            "grant_type": "client_credentials",
            "client_id": token_server.client_id,
            "client_secret": token_server.client_secret,
            "audience": "zeebe-api",
            "scope": "zeebe:write",
        }
    ]


async def test_token_is_refreshed_before_it_expires(
    plain_server: GrpcServer, token_server: TokenServer
) -> None:
    clock = FakeClock()
    token_server.expires_in = 100
    credentials = credentials_for(token_server, leeway=10, clock=clock)
    async with oauth2_channel(plain_server.address, credentials, insecure=True) as channel:
        gateway = ZeebeGateway(channel)
        await gateway.topology()
        clock.now += 89  # 1 s before the leeway starts: the cached token is still used
        await gateway.topology()
        assert token_server.requests == 1
        clock.now += 2  # within 10 s of expiry: replaced before the gateway could reject it
        await gateway.topology()
        assert token_server.requests == 2
    seen = plain_server.gateway.authorizations
    assert seen == [f"Bearer {token_server.issued[0]}"] * 2 + [f"Bearer {token_server.issued[1]}"]


async def test_expires_in_as_a_string_is_understood(token_server: TokenServer) -> None:
    clock = FakeClock()
    token_server.expires_in = "100"
    credentials = credentials_for(token_server, leeway=10, clock=clock)
    first = await credentials.token()
    clock.now += 95
    assert await credentials.token() != first
    assert token_server.requests == 2


async def test_short_lived_tokens_are_still_reused(token_server: TokenServer) -> None:
    clock = FakeClock()
    token_server.expires_in = 20  # shorter than the default 60 s leeway
    credentials = credentials_for(token_server, clock=clock)
    await credentials.token()
    clock.now += 9
    await credentials.token()
    assert token_server.requests == 1


async def test_unary_call_is_retried_once_with_a_new_token_after_unauthenticated(
    plain_server: GrpcServer, token_server: TokenServer
) -> None:
    issued = _Issued(token_server)
    plain_server.gateway.tokens = issued  # type: ignore[assignment]
    credentials = credentials_for(token_server)
    async with oauth2_channel(plain_server.address, credentials, insecure=True) as channel:
        gateway = ZeebeGateway(channel)
        await gateway.topology()
        issued.revoked.add(token_server.issued[0])  # e.g. the signing key was rotated
        topology = await gateway.topology()
    assert topology.cluster_size == 3
    assert token_server.requests == 2
    assert plain_server.gateway.rejected == 1


async def test_stream_is_reopened_once_with_a_new_token_after_unauthenticated(
    plain_server: GrpcServer, token_server: TokenServer
) -> None:
    issued = _Issued(token_server)
    plain_server.gateway.tokens = issued  # type: ignore[assignment]
    credentials = credentials_for(token_server)
    async with oauth2_channel(plain_server.address, credentials, insecure=True) as channel:
        gateway = ZeebeGateway(channel)
        await gateway.topology()
        issued.revoked.add(token_server.issued[0])
        jobs = [job async for job in gateway.activate_jobs("oauth-stream-retry", "w", 1000, 1)]
    assert [(job.key, job.type) for job in jobs] == [(7, "oauth-stream-retry")]
    assert token_server.requests == 2
    assert plain_server.gateway.rejected == 1


async def test_unauthenticated_that_survives_a_refresh_is_raised(
    plain_server: GrpcServer, token_server: TokenServer
) -> None:
    plain_server.gateway.tokens = set()  # rejects every token
    credentials = credentials_for(token_server)
    async with oauth2_channel(plain_server.address, credentials, insecure=True) as channel:
        gateway = ZeebeGateway(channel)
        with pytest.raises(UnauthenticatedError):
            await gateway.topology()
        with pytest.raises(UnauthenticatedError):
            _ = [job async for job in gateway.activate_jobs("oauth-rejected", "w", 1000, 1)]
    assert token_server.requests == 4  # each call: its token, then one fresh one
    assert plain_server.gateway.rejected == 4


@pytest.mark.parametrize("status", [401, 400])
async def test_bad_secret_raises_invalid_credentials_naming_the_url(
    plain_server: GrpcServer, token_server: TokenServer, status: int
) -> None:
    token_server.status_for_bad_secret = status
    credentials = credentials_for(token_server, secret="wrong-secret")
    async with oauth2_channel(plain_server.address, credentials, insecure=True) as channel:
        with pytest.raises(InvalidOAuthCredentialsError) as caught:
            await ZeebeGateway(channel).topology()
    assert token_server.url in str(caught.value)
    assert "invalid_client" in str(caught.value)
    assert "wrong-secret" not in str(caught.value)
    assert plain_server.gateway.authorizations == []  # nothing reached the gateway


async def test_unreachable_endpoint_fails_fast(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/oauth/token"
    credentials = OAuth2ClientCredentials("id", "secret", url, timeout=2)
    started = time.monotonic()
    with pytest.raises(OAuthServerUnreachableError, match=url):
        await credentials.token()
    assert time.monotonic() - started < 2


async def test_silent_endpoint_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts connections but never answers
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/token"
        credentials = OAuth2ClientCredentials("id", "secret", url, timeout=0.3)
        with pytest.raises(OAuthServerUnreachableError, match=url):
            await asyncio.wait_for(credentials.token(), timeout=5)


@pytest.mark.parametrize(
    "answer",
    [b"<html>login</html>", b"[1, 2]", b'{"token_type": "Bearer"}', b'{"access_token": 5}'],
)
async def test_garbage_answer_is_reported_as_unreachable(
    token_server: TokenServer, answer: bytes
) -> None:
    token_server.answer = answer
    with pytest.raises(OAuthServerUnreachableError, match=token_server.url):
        await credentials_for(token_server).token()


async def test_token_and_secret_never_show_in_logs_or_reprs(
    plain_server: GrpcServer, token_server: TokenServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    issued = _Issued(token_server)
    plain_server.gateway.tokens = issued  # type: ignore[assignment]
    credentials = credentials_for(token_server)
    channel = oauth2_channel(plain_server.address, credentials, insecure=True)
    async with channel:
        gateway = ZeebeGateway(channel)
        await gateway.topology()
        issued.revoked.add(token_server.issued[0])
        await gateway.topology()
    texts = [caplog.text, repr(channel), repr(credentials), repr(vars(credentials)["_token"])]
    texts += [repr(interceptor) for interceptor in bearer_token_interceptors(credentials)]
    secrets = [*token_server.issued, token_server.client_secret]
    assert len(token_server.issued) == 2
    assert "access token" in caplog.text  # the fetches are logged, without the value
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_token_endpoint_must_be_http(token_server: TokenServer) -> None:
    with pytest.raises(ConfigurationError, match="file:///etc/passwd"):
        OAuth2ClientCredentials("id", "secret", "file:///etc/passwd")


async def test_channel_from_arguments_and_tls(
    tls_server: GrpcServer, token_server: TokenServer, pki: Pki
) -> None:
    from zeebe_router.connection import tls_channel_credentials

    tls_server.gateway.tokens = _Issued(token_server)  # type: ignore[assignment]
    channel = create_oauth2_client_credentials_channel(
        tls_server.address,
        client_id=token_server.client_id,
        client_secret=token_server.client_secret,
        authorization_server=token_server.url,
        audience=None,
        channel_credentials=tls_channel_credentials(root_certificates_path=pki.ca_path),
    )
    async with channel:
        assert (await ZeebeGateway(channel).topology()).cluster_size == 3
    assert token_server.requests == 1
