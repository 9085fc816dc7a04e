"""Reading settings from environment variables, with errors that name the variable."""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from typing import Final

from zeebe_router.errors import ConfigurationError

__all__ = [
    "ADDRESS_VARS",
    "AUDIENCE_VARS",
    "CA_PATH_VARS",
    "CLIENT_ID_VARS",
    "CLIENT_SECRET_VARS",
    "CLUSTER_ID_VARS",
    "DEFAULT_ZEEBE_ADDRESS",
    "INSECURE_VARS",
    "OAUTH_URL_VARS",
    "REGION_VARS",
    "SCOPE_VARS",
    "UNSET",
    "Unset",
    "environ",
    "first_of",
    "parse_bool",
    "split_address",
    "zeebe_address",
]

#: The gateway address when neither an argument nor the environment gives one.
DEFAULT_ZEEBE_ADDRESS: Final = "localhost:26500"

#: The environment variables of each setting. Aliases of one setting may not disagree
#: (:func:`first_of`); messages name the Zeebe spelling first.
ADDRESS_VARS: Final = ("ZEEBE_ADDRESS", "ZEEBE_GRPC_ADDRESS")
CLIENT_ID_VARS: Final = ("ZEEBE_CLIENT_ID", "CAMUNDA_CLIENT_ID")
CLIENT_SECRET_VARS: Final = ("ZEEBE_CLIENT_SECRET", "CAMUNDA_CLIENT_SECRET")
OAUTH_URL_VARS: Final = ("ZEEBE_AUTHORIZATION_SERVER_URL", "CAMUNDA_OAUTH_URL")
AUDIENCE_VARS: Final = ("ZEEBE_TOKEN_AUDIENCE", "CAMUNDA_TOKEN_AUDIENCE")
SCOPE_VARS: Final = ("ZEEBE_TOKEN_SCOPE", "CAMUNDA_TOKEN_SCOPE")
CLUSTER_ID_VARS: Final = ("CAMUNDA_CLUSTER_ID",)
REGION_VARS: Final = ("CAMUNDA_CLUSTER_REGION",)
CA_PATH_VARS: Final = ("ZEEBE_CA_CERTIFICATE_PATH",)
INSECURE_VARS: Final = ("ZEEBE_INSECURE_CONNECTION",)

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_TLS_SCHEMES = {"https": True, "grpcs": True, "http": False, "grpc": False}


class Unset(enum.Enum):
    """The type of :data:`UNSET`: "not given, read it from the environment"."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: Default of arguments that fall back to the environment (``None`` can mean "none at all").
UNSET: Final = Unset.UNSET


def environ(env: Mapping[str, str] | None) -> Mapping[str, str]:
    """Return ``env``, or the process environment when it is ``None``."""
    return os.environ if env is None else env


def first_of(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    """Return ``(name, value)`` of the first non-empty variable of ``names``.

    Raises:
        ConfigurationError: two of the alias variables are set to different values; unset one.
    """
    found: tuple[str, str] | None = None
    for name in names:
        value = env.get(name, "").strip()
        if not value:
            continue
        if found is None:
            found = (name, value)
        elif found[1] != value:
            raise ConfigurationError(
                f"environment variables {found[0]} and {name} are both set, to different "
                "values; set only one of them"
            )
    return found


def parse_bool(name: str, value: str) -> bool:
    """Parse a boolean setting (true/false, 1/0, yes/no, on/off; any case).

    Raises:
        ConfigurationError: the value is none of these; the message names ``name``.
    """
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigurationError(f"{name}={value!r} is not a boolean; use true or false")


def split_address(name: str, value: str) -> tuple[str, bool | None]:
    """Split ``host:port`` or a URL (``https://host:443``) into ``(host:port, uses_tls)``.

    ``uses_tls`` is ``None`` when the value has no scheme. A URL without a port gets 443
    for ``https``/``grpcs`` and 26500 otherwise.

    Raises:
        ConfigurationError: the scheme is not http, https, grpc or grpcs, or no host is given.
    """
    text = value.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        if not text:
            raise ConfigurationError(f"{name} is empty; give host:port")
        return text, None
    tls = _TLS_SCHEMES.get(scheme.lower())
    if tls is None:
        raise ConfigurationError(
            f"{name}={value!r} has scheme {scheme!r}; use http, https, grpc or grpcs"
        )
    host_port = rest.split("/", 1)[0]
    if not host_port:
        raise ConfigurationError(f"{name}={value!r} names no host")
    if not host_port.rsplit("]", 1)[-1].count(":"):
        host_port = f"{host_port}:{443 if tls else 26500}"
    return host_port, tls


def zeebe_address(env: Mapping[str, str] | None = None) -> tuple[str, bool | None]:
    """The gateway address from ``ZEEBE_ADDRESS`` or ``ZEEBE_GRPC_ADDRESS``, else the default.

    Returns ``(host:port, uses_tls)`` as :func:`split_address` does.
    """
    values = environ(env)
    for name in ADDRESS_VARS:
        value = values.get(name, "").strip()
        if value:
            return split_address(name, value)
    return DEFAULT_ZEEBE_ADDRESS, None
