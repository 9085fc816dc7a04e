"""Real servers for the connection tests: a gRPC gateway (plaintext/TLS) and an OAuth endpoint."""

from __future__ import annotations

import http.server
import itertools
import threading
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
import trustme

from zeebe_router import _json
from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router._proto import gateway_pb2_grpc as pb_grpc

CLIENT_ID = "worker-client"
CLIENT_SECRET = "s3cret-value-0123"


class TopologyGateway(pb_grpc.GatewayServicer):
    """Answers Topology and ActivateJobs; with ``tokens`` set, only for those bearer tokens."""

    def __init__(self) -> None:
        self.tokens: set[str] | None = None
        self.rejected = 0
        self.authorizations: list[str] = []

    async def _authorize(self, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        metadata = dict(context.invocation_metadata() or ())
        header = str(metadata.get("authorization", ""))
        self.authorizations.append(header)
        if self.tokens is None:
            return
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or token not in self.tokens:
            self.rejected += 1
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid access token")

    async def Topology(
        self, request: pb.TopologyRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.TopologyResponse:
        await self._authorize(context)
        return pb.TopologyResponse(clusterSize=3, partitionsCount=2, gatewayVersion="8.9.0")

    async def ActivateJobs(
        self, request: pb.ActivateJobsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[pb.ActivateJobsResponse]:
        await self._authorize(context)
        job = pb.ActivatedJob(key=7, type=request.type, retries=3, worker=request.worker)
        yield pb.ActivateJobsResponse(jobs=[job])


@dataclass
class GrpcServer:
    address: str
    gateway: TopologyGateway


async def start_server(
    credentials: grpc.ServerCredentials | None,
) -> tuple[grpc.aio.Server, GrpcServer]:
    server = grpc.aio.server()
    gateway = TopologyGateway()  # type: ignore[abstract]  # the other rpcs stay UNIMPLEMENTED
    pb_grpc.add_GatewayServicer_to_server(gateway, server)
    if credentials is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", credentials)
    await server.start()
    return server, GrpcServer(f"127.0.0.1:{port}", gateway)


@pytest.fixture
async def plain_server() -> AsyncIterator[GrpcServer]:
    server, info = await start_server(None)
    yield info
    await server.stop(None)


@dataclass
class Pki:
    ca_path: Path
    client_cert_path: Path
    client_key_path: Path
    server_cert: trustme.LeafCert


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    ca = trustme.CA()
    ca_path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    client = ca.issue_cert("worker@example.org")
    cert_path, key_path = tmp_path / "client.pem", tmp_path / "client.key"
    for blob in client.cert_chain_pems:
        blob.write_to_path(str(cert_path), append=True)
    client.private_key_pem.write_to_path(str(key_path))
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    return Pki(ca_path, cert_path, key_path, server_cert)


def server_credentials(pki: Pki, *, mutual: bool) -> grpc.ServerCredentials:
    chain = b"".join(blob.bytes() for blob in pki.server_cert.cert_chain_pems)
    key = pki.server_cert.private_key_pem.bytes()
    return grpc.ssl_server_credentials(
        [(key, chain)],
        root_certificates=pki.ca_path.read_bytes() if mutual else None,
        require_client_auth=mutual,
    )


@pytest.fixture
async def tls_server(pki: Pki) -> AsyncIterator[GrpcServer]:
    server, info = await start_server(server_credentials(pki, mutual=False))
    yield info
    await server.stop(None)


@pytest.fixture
async def mtls_server(pki: Pki) -> AsyncIterator[GrpcServer]:
    server, info = await start_server(server_credentials(pki, mutual=True))
    yield info
    await server.stop(None)


@dataclass
class TokenServer:
    """A client-credentials token endpoint that counts the tokens it issues."""

    url: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    expires_in: Any = 300
    issued: list[str] = field(default_factory=list)
    forms: list[dict[str, str]] = field(default_factory=list)
    answer: bytes | None = None
    status_for_bad_secret: int = 401
    counter: Iterator[int] = field(default_factory=itertools.count)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return len(self.forms)

    def handle(self, form: dict[str, str]) -> tuple[int, bytes]:
        with self.lock:
            self.forms.append(form)
            if self.answer is not None:
                return 200, self.answer
            if (form.get("client_id"), form.get("client_secret")) != (
                self.client_id,
                self.client_secret,
            ):
                error = {"error": "invalid_client", "error_description": "bad client"}
                return self.status_for_bad_secret, _json.dumps(error).encode()
            token = f"tok-{next(self.counter)}-c29tZXRoaW5nLXNlY3JldA"
            self.issued.append(token)
            body = {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
            return 200, _json.dumps(body).encode()


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    state: list[TokenServer] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            status, body = state[0].handle(form)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.append(TokenServer(f"http://127.0.0.1:{httpd.server_address[1]}/oauth/token"))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state[0]
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)
