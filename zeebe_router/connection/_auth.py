"""Client interceptors that put a bearer token on every call and retry once when it is rejected.

Interceptors rather than ``grpc.metadata_call_credentials``: a call-credentials plugin runs
in a gRPC core thread, is only sent over TLS, and can neither see the call's status (so it
cannot react to UNAUTHENTICATED) nor raise a typed error. The ``grpc.aio`` interceptors run
on the event loop, so the token request is awaited in a thread without blocking it, the
token works on plaintext and TLS channels alike, a rejected token is replaced and the call
retried, and token failures surface as :class:`~zeebe_router.errors.OAuthError`.

The Zeebe gateway service has only unary and server-streaming rpcs, the two kinds covered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import grpc

from zeebe_router.connection._oauth import OAuth2ClientCredentials
from zeebe_router.errors import UnauthenticatedError
from zeebe_router.gateway import map_grpc_error

__all__ = [
    "BearerTokenUnaryStreamInterceptor",
    "BearerTokenUnaryUnaryInterceptor",
    "bearer_token_interceptors",
]

_AUTHORIZATION = "authorization"
# grpc.aio.EOF exists at run time; the type stubs leave it out.
_EOF: object = getattr(grpc.aio, "EOF")  # noqa: B009

if TYPE_CHECKING:
    _UnaryUnaryInterceptor = grpc.aio.UnaryUnaryClientInterceptor[Any, Any]
    _UnaryStreamInterceptor = grpc.aio.UnaryStreamClientInterceptor[Any, Any]
    _UnaryStreamCall = grpc.aio.UnaryStreamCall[Any, Any]
else:
    _UnaryUnaryInterceptor = grpc.aio.UnaryUnaryClientInterceptor
    _UnaryStreamInterceptor = grpc.aio.UnaryStreamClientInterceptor
    _UnaryStreamCall = grpc.aio.UnaryStreamCall


def _is_unauthenticated(exc: grpc.RpcError) -> bool:
    return isinstance(map_grpc_error(exc), UnauthenticatedError)


def _with_token(details: grpc.aio.ClientCallDetails, token: str) -> grpc.aio.ClientCallDetails:
    metadata = grpc.aio.Metadata(
        *((key, value) for key, value in (details.metadata or ()) if key != _AUTHORIZATION)
    )
    metadata.add(_AUTHORIZATION, f"Bearer {token}")
    return grpc.aio.ClientCallDetails(
        details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
    )


class _BearerToken:
    def __init__(self, credentials: OAuth2ClientCredentials) -> None:
        self._credentials = credentials

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._credentials!r})"


class BearerTokenUnaryUnaryInterceptor(_BearerToken, _UnaryUnaryInterceptor):
    """Adds ``authorization: Bearer <token>`` to unary calls; retries once on UNAUTHENTICATED."""

    async def intercept_unary_unary(
        self,
        continuation: Callable[..., Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        """Send the call with a token; on UNAUTHENTICATED send it again with a fresh one."""
        call: Any = None
        for _attempt in range(2):
            token = await self._credentials.token()
            call = await continuation(_with_token(client_call_details, token), request)
            try:
                await call
            except grpc.RpcError as exc:
                if not _is_unauthenticated(exc):
                    return call
                # A refused token is never sent again, also when the retry is refused too.
                self._credentials.invalidate(token)
            else:
                return call
        return call


class BearerTokenUnaryStreamInterceptor(_BearerToken, _UnaryStreamInterceptor):
    """Adds the token to server-streaming calls; reopens once on UNAUTHENTICATED before data."""

    async def intercept_unary_stream(
        self,
        continuation: Callable[..., Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        """Open the stream with a token; the returned call reopens it if the token is refused."""

        async def open_call(token: str) -> Any:
            return await continuation(_with_token(client_call_details, token), request)

        token = await self._credentials.token()
        return _ReauthenticatingStreamCall(
            await open_call(token), token, self._credentials, open_call
        )


class _ReauthenticatingStreamCall(_UnaryStreamCall):
    """A server-streaming call that is reopened once if it fails UNAUTHENTICATED before data.

    Every other method acts on the call currently open, so cancelling it cancels the retry.
    """

    def __init__(
        self,
        call: Any,
        token: str,
        credentials: OAuth2ClientCredentials,
        open_call: Callable[[str], Awaitable[Any]],
    ) -> None:
        self._call = call
        self._token = token
        self._credentials = credentials
        self._open_call = open_call
        self._retried = False
        self._cancelled = False
        self._responses: AsyncIterator[Any] | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._call!r}>"

    async def _iterate(self) -> AsyncIterator[Any]:
        received = False
        while True:
            try:
                async for response in self._call:
                    received = True
                    yield response
            except grpc.RpcError as exc:
                if received or not _is_unauthenticated(exc):
                    raise
                self._credentials.invalidate(self._token)
                if self._retried or self._cancelled:
                    raise
                self._retried = True
                self._token = await self._credentials.token()
                self._call = await self._open_call(self._token)
                self._propagate_cancel()
                continue
            return

    def _propagate_cancel(self) -> None:
        if self._cancelled:
            self._call.cancel()

    def __aiter__(self) -> AsyncIterator[Any]:
        if self._responses is None:
            self._responses = self._iterate()
        return self._responses

    async def read(self) -> Any:
        """Read the next response (``grpc.aio.EOF`` at the end)."""
        try:
            return await self.__aiter__().__anext__()
        except StopAsyncIteration:
            return _EOF

    def cancel(self) -> bool:
        """Cancel the open call (and any retry)."""
        self._cancelled = True
        return bool(self._call.cancel())

    def cancelled(self) -> bool:
        """Whether the call was cancelled."""
        return bool(self._call.cancelled())

    def done(self) -> bool:
        """Whether the call has finished."""
        return bool(self._call.done())

    def add_done_callback(self, callback: Any) -> None:
        """Call ``callback(call)`` when the open call finishes."""
        self._call.add_done_callback(callback)

    def time_remaining(self) -> float | None:
        """Seconds left before the deadline."""
        remaining: float | None = self._call.time_remaining()
        return remaining

    async def initial_metadata(self) -> Any:
        """The server's initial metadata."""
        return await self._call.initial_metadata()

    async def trailing_metadata(self) -> Any:
        """The server's trailing metadata."""
        return await self._call.trailing_metadata()

    async def code(self) -> grpc.StatusCode:
        """The call's status code."""
        code: grpc.StatusCode = await self._call.code()
        return code

    async def details(self) -> str:
        """The call's status message."""
        details: str = await self._call.details()
        return details

    async def wait_for_connection(self) -> None:
        """Wait until the call is connected."""
        await self._call.wait_for_connection()


def bearer_token_interceptors(
    credentials: OAuth2ClientCredentials,
) -> list[grpc.aio.ClientInterceptor]:
    """The interceptors that authenticate a channel's unary and server-streaming calls."""
    return [
        cast("grpc.aio.ClientInterceptor", BearerTokenUnaryUnaryInterceptor(credentials)),
        cast("grpc.aio.ClientInterceptor", BearerTokenUnaryStreamInterceptor(credentials)),
    ]
