"""OAuth 2.0 client-credentials tokens: fetched off the event loop, cached, refreshed early."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zeebe_router import _json
from zeebe_router.errors import (
    ConfigurationError,
    InvalidOAuthCredentialsError,
    InvalidVariablesError,
    OAuthServerUnreachableError,
)

__all__ = ["DEFAULT_TOKEN_TIMEOUT_S", "OAuth2ClientCredentials"]

logger = logging.getLogger("zeebe_router.connection")

#: Bound, in seconds, on one token request (connect, send and read).
DEFAULT_TOKEN_TIMEOUT_S = 10.0

# OAuth error codes (RFC 6749 §5.2) that mean the client's own settings are wrong.
_CREDENTIAL_ERRORS = frozenset(
    {"invalid_client", "unauthorized_client", "invalid_grant", "invalid_scope", "invalid_target"}
)


@dataclass(frozen=True)
class _Token:
    """An access token and when it must be replaced; the value never shows in a repr."""

    value: str = field(repr=False)
    refresh_at: float


class OAuth2ClientCredentials:
    """Obtains access tokens with the OAuth 2.0 client-credentials grant, for one channel.

    Tokens are requested with the standard library in a worker thread (never on the event
    loop), shared by concurrent callers, and replaced ``leeway`` seconds before they expire
    (at most half their lifetime early, so short-lived tokens are still reused). Neither the
    secret nor a token appears in logs, exception messages or ``repr``.

    Args:
        client_id: the OAuth client id.
        client_secret: its secret.
        authorization_server: the token endpoint (``https://.../oauth/token``).
        scope: the ``scope`` to request, if the server needs one.
        audience: the ``audience`` to request (``zeebe.camunda.io`` on Camunda SaaS).
        leeway: seconds before expiry at which a token is replaced.
        expire_in: lifetime, in seconds, assumed for tokens whose answer has no
            ``expires_in``; ``None`` keeps such tokens until the gateway rejects one.
        timeout: bound, in seconds, on one token request.
        ssl_context: TLS settings for an ``https`` token endpoint (default: the system's).
        clock: a monotonic clock in seconds; replaceable in tests.

    Raises:
        ConfigurationError: the token endpoint is not an ``http(s)`` URL, or a setting is
            empty or negative.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        authorization_server: str,
        *,
        scope: str | None = None,
        audience: str | None = None,
        leeway: float = 60,
        expire_in: float | None = None,
        timeout: float = DEFAULT_TOKEN_TIMEOUT_S,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        scheme = urllib.parse.urlsplit(authorization_server).scheme.lower()
        if scheme not in ("http", "https"):
            raise ConfigurationError(
                f"authorization server {authorization_server!r} is not an http(s) URL"
            )
        if not client_id or not client_secret:
            raise ConfigurationError("an OAuth client needs a non-empty client id and secret")
        if leeway < 0 or timeout <= 0 or (expire_in is not None and expire_in <= 0):
            raise ConfigurationError("leeway must be >= 0; timeout and expire_in must be > 0")
        self._client_id = client_id
        self._client_secret = client_secret
        self._url = authorization_server
        self._scope = scope
        self._audience = audience
        self._leeway = leeway
        self._expire_in = expire_in
        self._timeout = timeout
        self._ssl_context = ssl_context
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self._client_id!r}, "
            f"authorization_server={self._url!r}, audience={self._audience!r}, "
            f"scope={self._scope!r})"
        )

    @property
    def authorization_server(self) -> str:
        """The token endpoint URL."""
        return self._url

    @property
    def client_id(self) -> str:
        """The OAuth client id."""
        return self._client_id

    async def token(self) -> str:
        """Return a valid access token, requesting a new one only when needed.

        Raises:
            InvalidOAuthCredentialsError: the server rejected the client id, secret,
                audience or scope.
            OAuthServerUnreachableError: the server cannot be reached in ``timeout``
                seconds or gave no usable answer.
        """
        current = self._valid_token()
        if current is not None:
            return current
        async with self._lock:
            current = self._valid_token()
            if current is not None:
                return current
            token = await self._request_token()
            self._token = token
            return token.value

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (the gateway rejected it) so the next call requests a new one.

        A token that was already replaced is left alone, so concurrent rejections of one
        token cause a single new request.
        """
        if self._token is not None and self._token.value == token:
            self._token = None

    def _valid_token(self) -> str | None:
        token = self._token
        if token is None or self._clock() >= token.refresh_at:
            return None
        return token.value

    async def _request_token(self) -> _Token:
        started = self._clock()
        try:
            # The thread honours `timeout` per socket operation; this bounds the whole request.
            answer = await asyncio.wait_for(
                asyncio.to_thread(self._post), timeout=self._timeout * 2
            )
        except asyncio.TimeoutError:
            raise OAuthServerUnreachableError(
                self._url, f"no answer within {self._timeout * 2:g} s"
            ) from None
        token = self._parse(answer)
        lifetime = _lifetime(answer.get("expires_in"), self._expire_in)
        if lifetime is None:
            refresh_at = float("inf")
        else:
            refresh_at = started + lifetime - min(self._leeway, lifetime / 2)
        logger.debug(
            "obtained an access token for client %r from %s (valid for %s s)",
            self._client_id,
            self._url,
            "?" if lifetime is None else f"{lifetime:g}",
        )
        return _Token(token, refresh_at)

    def _post(self) -> dict[str, Any]:
        """POST the client-credentials form and decode the JSON answer (runs in a thread)."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        if self._audience:
            form["audience"] = self._audience
        if self._scope:
            form["scope"] = self._scope
        request = urllib.request.Request(
            self._url,
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(
                request, timeout=self._timeout, context=self._ssl_context
            ) as response:
                body: bytes = response.read()
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc) from None
        except (OSError, ValueError) as exc:
            # URLError, timeouts, refused connections, TLS failures, malformed answers.
            reason = getattr(exc, "reason", exc)
            raise OAuthServerUnreachableError(
                self._url, f"{type(exc).__name__}: {reason}"
            ) from None
        try:
            return _json.loads(body)
        except InvalidVariablesError:
            raise OAuthServerUnreachableError(
                self._url, "the answer is not a JSON object"
            ) from None

    def _http_error(
        self, exc: urllib.error.HTTPError
    ) -> InvalidOAuthCredentialsError | OAuthServerUnreachableError:
        try:
            body = _json.loads(exc.read())
        except (InvalidVariablesError, OSError):
            body = {}
        finally:
            exc.close()
        code = body.get("error")
        code = code if isinstance(code, str) and code.isidentifier() else ""
        detail = f"HTTP {exc.code}" + (f" {code}" if code else "")
        if exc.code in (401, 403) or code in _CREDENTIAL_ERRORS:
            return InvalidOAuthCredentialsError(self._url, self._client_id, detail)
        return OAuthServerUnreachableError(self._url, detail)

    def _parse(self, answer: dict[str, Any]) -> str:
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise OAuthServerUnreachableError(self._url, "the answer has no access_token")
        token_type = answer.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise OAuthServerUnreachableError(self._url, "the answer's token_type is not Bearer")
        return token


def _lifetime(expires_in: object, fallback: float | None) -> float | None:
    """Seconds a token lives: the answer's ``expires_in`` (number or numeric string)."""
    if isinstance(expires_in, bool):
        return fallback
    if isinstance(expires_in, (int, float)) and expires_in > 0:
        return float(expires_in)
    if isinstance(expires_in, str):
        try:
            value = float(expires_in)
        except ValueError:
            return fallback
        return value if value > 0 else fallback
    return fallback
