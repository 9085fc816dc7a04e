"""Choose and open the right channel from environment variables (Camunda's names)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict

import grpc
from typing_extensions import Unpack

from zeebe_router.connection._channels import create_insecure_channel, create_secure_channel
from zeebe_router.connection._env import (
    ADDRESS_VARS,
    AUDIENCE_VARS,
    CA_PATH_VARS,
    CLIENT_ID_VARS,
    CLIENT_SECRET_VARS,
    CLUSTER_ID_VARS,
    DEFAULT_ZEEBE_ADDRESS,
    INSECURE_VARS,
    OAUTH_URL_VARS,
    REGION_VARS,
    SCOPE_VARS,
    environ,
    first_of,
    parse_bool,
    split_address,
)
from zeebe_router.connection._oauth import OAuth2ClientCredentials
from zeebe_router.connection._oauth_channels import (
    CAMUNDA_CLOUD_AUDIENCE,
    CAMUNDA_CLOUD_REGION,
    CAMUNDA_CLOUD_TOKEN_URL,
    camunda_cloud_address,
    oauth2_channel,
)
from zeebe_router.connection._options import ChannelArgumentType
from zeebe_router.connection._tls import tls_channel_credentials
from zeebe_router.errors import ConfigurationError

__all__ = ["ConnectionKind", "ConnectionOverrides", "ConnectionSettings", "channel_from_env"]

#: How a channel connects: plaintext, TLS, OAuth (self-managed) or Camunda SaaS.
ConnectionKind = Literal["insecure", "tls", "oauth", "cloud"]


class ConnectionOverrides(TypedDict, total=False):
    """Keyword arguments of :func:`channel_from_env` that take precedence over the environment."""

    grpc_address: str
    client_id: str
    client_secret: str
    authorization_server: str
    audience: str
    scope: str
    cluster_id: str
    region: str
    ca_certificate_path: str | Path
    insecure: bool


@dataclass(frozen=True)
class ConnectionSettings:
    """How to reach the gateway, resolved once from arguments, the environment and defaults."""

    kind: ConnectionKind
    address: str
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    authorization_server: str | None = None
    audience: str | None = None
    scope: str | None = None
    ca_certificate_path: Path | None = None
    #: For ``oauth``: send the tokens over plaintext (``ZEEBE_INSECURE_CONNECTION=true``).
    insecure: bool = False

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, **overrides: Unpack[ConnectionOverrides]
    ) -> ConnectionSettings:
        """Resolve the settings: keyword > environment variable > default.

        The kind is chosen in this order:

        - ``cloud`` when a cluster id is set (``CAMUNDA_CLUSTER_ID``): Camunda SaaS, with the
          SaaS token endpoint and audience unless others are set;
        - ``oauth`` when a client id or secret is set: both and a token endpoint are needed;
        - ``tls`` when ``ZEEBE_INSECURE_CONNECTION`` is false, a CA file is set, or the
          address is an ``https://``/``grpcs://`` URL;
        - ``insecure`` otherwise (the local default, ``localhost:26500``).

        Args:
            env: the variables to read; ``None`` reads ``os.environ``.
            overrides: values that win over the environment (see :class:`ConnectionOverrides`).

        Raises:
            ConfigurationError: a value is invalid or incomplete; the message names the
                variable (or keyword) to fix.
        """
        resolver = _Resolver(environ(env), overrides)
        address, scheme_tls = resolver.address()
        insecure = resolver.insecure(scheme_tls)
        ca_path = resolver.ca_path()
        if insecure and ca_path is not None:
            raise ConfigurationError(
                f"{resolver.origin('insecure', INSECURE_VARS)} asks for plaintext but "
                f"{resolver.origin('ca_certificate_path', CA_PATH_VARS)} gives a CA for TLS; "
                "drop one of them"
            )
        cluster_id = resolver.text("cluster_id", CLUSTER_ID_VARS)
        client_id = resolver.text("client_id", CLIENT_ID_VARS)
        client_secret = resolver.text("client_secret", CLIENT_SECRET_VARS)
        audience = resolver.text("audience", AUDIENCE_VARS)
        scope = resolver.text("scope", SCOPE_VARS)
        auth_url = resolver.text("authorization_server", OAUTH_URL_VARS)
        if cluster_id is not None:
            if insecure:
                raise ConfigurationError(
                    f"{resolver.origin('insecure', INSECURE_VARS)} is true but Camunda SaaS "
                    f"({resolver.origin('cluster_id', CLUSTER_ID_VARS)}) is reached over TLS only"
                )
            region = resolver.text("region", REGION_VARS) or CAMUNDA_CLOUD_REGION
            return cls(
                kind="cloud",
                address=address or camunda_cloud_address(cluster_id, region),
                client_id=resolver.require(client_id, "client_id", CLIENT_ID_VARS, "Camunda SaaS"),
                client_secret=resolver.require(
                    client_secret, "client_secret", CLIENT_SECRET_VARS, "Camunda SaaS"
                ),
                authorization_server=auth_url or CAMUNDA_CLOUD_TOKEN_URL,
                audience=audience or CAMUNDA_CLOUD_AUDIENCE,
                scope=scope,
                ca_certificate_path=ca_path,
            )
        if client_id is not None or client_secret is not None:
            what = "OAuth"
            return cls(
                kind="oauth",
                address=address or DEFAULT_ZEEBE_ADDRESS,
                client_id=resolver.require(client_id, "client_id", CLIENT_ID_VARS, what),
                client_secret=resolver.require(
                    client_secret, "client_secret", CLIENT_SECRET_VARS, what
                ),
                authorization_server=resolver.require(
                    auth_url, "authorization_server", OAUTH_URL_VARS, what
                ),
                audience=audience,
                scope=scope,
                ca_certificate_path=ca_path,
                insecure=bool(insecure),
            )
        tls = insecure is False or ca_path is not None
        return cls(
            kind="tls" if tls else "insecure",
            address=address or DEFAULT_ZEEBE_ADDRESS,
            ca_certificate_path=ca_path,
        )

    def create_channel(
        self, channel_options: ChannelArgumentType | Mapping[str, Any] | None = None
    ) -> grpc.aio.Channel:
        """Open the channel these settings describe."""
        if self.kind == "insecure":
            return create_insecure_channel(self.address, channel_options)
        if self.kind == "tls":
            return create_secure_channel(
                self.address, channel_options, root_certificates_path=self.ca_certificate_path
            )
        if not (self.client_id and self.client_secret and self.authorization_server):
            raise ConfigurationError(
                f"a {self.kind} connection needs client_id, client_secret and authorization_server"
            )
        credentials = OAuth2ClientCredentials(
            self.client_id,
            self.client_secret,
            self.authorization_server,
            audience=self.audience,
            scope=self.scope,
        )
        tls = None
        if not self.insecure:
            tls = tls_channel_credentials(root_certificates_path=self.ca_certificate_path)
        return oauth2_channel(
            self.address,
            credentials,
            channel_credentials=tls,
            channel_options=channel_options,
            insecure=self.insecure,
        )


def channel_from_env(
    env: Mapping[str, str] | None = None,
    *,
    channel_options: ChannelArgumentType | Mapping[str, Any] | None = None,
    **overrides: Unpack[ConnectionOverrides],
) -> grpc.aio.Channel:
    """Open the channel the environment describes (see :meth:`ConnectionSettings.from_env`).

    Raises:
        ConfigurationError: a variable is invalid or incomplete; the message names it.
    """
    return ConnectionSettings.from_env(env, **overrides).create_channel(channel_options)


class _Resolver:
    """Looks a setting up in the keyword overrides, then in the environment."""

    def __init__(self, env: Mapping[str, str], overrides: ConnectionOverrides) -> None:
        self._env = env
        self._overrides: Mapping[str, Any] = overrides
        self._origins: dict[str, str] = {}

    def origin(self, key: str, names: tuple[str, ...]) -> str:
        """The variable (or keyword) a setting came from, for error messages."""
        return self._origins.get(key, " or ".join(names))

    def _lookup(self, key: str, names: tuple[str, ...]) -> Any:
        if self._overrides.get(key) is not None:
            self._origins[key] = f"keyword {key}"
            return self._overrides[key]
        found = first_of(self._env, *names)
        if found is None:
            return None
        self._origins[key] = found[0]
        return found[1]

    def text(self, key: str, names: tuple[str, ...]) -> str | None:
        value = self._lookup(key, names)
        return None if value is None else str(value)

    def require(self, value: str | None, key: str, names: tuple[str, ...], what: str) -> str:
        if value is None:
            raise ConfigurationError(
                f"{what} needs {key}: set {' or '.join(names)} (or pass {key}=...)"
            )
        return value

    def address(self) -> tuple[str | None, bool | None]:
        value = self._lookup("grpc_address", ADDRESS_VARS)
        if value is None:
            return None, None
        return split_address(self.origin("grpc_address", ADDRESS_VARS), value)

    def insecure(self, scheme_tls: bool | None) -> bool | None:
        value = self._lookup("insecure", INSECURE_VARS)
        if isinstance(value, bool):
            return value
        if value is not None:
            return parse_bool(self.origin("insecure", INSECURE_VARS), value)
        if scheme_tls is None:
            return None
        self._origins["insecure"] = self.origin("grpc_address", ADDRESS_VARS)
        return not scheme_tls

    def ca_path(self) -> Path | None:
        value = self._lookup("ca_certificate_path", CA_PATH_VARS)
        if value is None:
            return None
        path = Path(value)
        if not path.is_file():
            raise ConfigurationError(
                f"{self.origin('ca_certificate_path', CA_PATH_VARS)}={str(value)!r}: no such file"
            )
        return path
