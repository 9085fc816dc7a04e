"""The public names of zeebe_router.connection: pyzeebe-compatible signatures and defaults."""

from __future__ import annotations

import inspect

import grpc
import pytest
import pyzeebe

import zeebe_router.connection as connection
from zeebe_router.connection import (
    DEFAULT_CHANNEL_OPTIONS,
    channel_options,
    create_camunda_cloud_channel,
    create_insecure_channel,
    zeebe_address,
)
from zeebe_router.errors import ConfigurationError


def _isort_key(name: str) -> tuple[int, str]:
    if name.isupper():
        return 0, name
    return (1 if name[0].isupper() else 2), name


def test_exports_are_sorted_and_exist() -> None:
    # Constants, then classes, then functions: the order ruff's RUF022 keeps.
    assert connection.__all__ == sorted(connection.__all__, key=_isort_key)
    for name in connection.__all__:
        assert getattr(connection, name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "create_insecure_channel",
        "create_secure_channel",
        "create_oauth2_client_credentials_channel",
        "create_camunda_cloud_channel",
    ],
)
def test_pyzeebe_parameters_come_first_in_the_same_order(name: str) -> None:
    ours = inspect.signature(getattr(connection, name)).parameters
    theirs = inspect.signature(getattr(pyzeebe, name)).parameters
    assert list(ours)[: len(theirs)] == list(theirs)
    for param in theirs.values():
        if param.default in (None, 60):
            assert ours[param.name].default == param.default
    extra = list(ours)[len(theirs) :]
    assert all(ours[p].kind is inspect.Parameter.KEYWORD_ONLY for p in extra)


def test_defaults_tune_channels_for_long_lived_streams() -> None:
    options = dict(channel_options())
    assert options["grpc.keepalive_time_ms"] == 45_000
    assert options["grpc.max_receive_message_length"] >= 5 * 1024 * 1024
    assert options["grpc.enable_retries"] == 0
    assert channel_options() == DEFAULT_CHANNEL_OPTIONS


def test_caller_options_win_over_the_defaults() -> None:
    merged = channel_options([("grpc.keepalive_time_ms", 10_000), ("grpc.lb_policy_name", "rr")])
    assert dict(merged)["grpc.keepalive_time_ms"] == 10_000
    assert dict(merged)["grpc.lb_policy_name"] == "rr"
    assert [name for name, _ in merged].count("grpc.keepalive_time_ms") == 1
    assert dict(channel_options({"grpc.enable_retries": 1}))["grpc.enable_retries"] == 1


@pytest.mark.parametrize(
    ("env", "address"),
    [
        ({}, ("localhost:26500", None)),
        ({"ZEEBE_ADDRESS": "gw:26500", "ZEEBE_GRPC_ADDRESS": "https://x"}, ("gw:26500", None)),
        ({"ZEEBE_GRPC_ADDRESS": "http://gw"}, ("gw:26500", False)),
        ({"ZEEBE_GRPC_ADDRESS": "https://[::1]"}, ("[::1]:443", True)),
    ],
)
def test_address_from_the_environment(
    env: dict[str, str], address: tuple[str, bool | None]
) -> None:
    assert zeebe_address(env) == address


async def test_insecure_channel_defaults_to_the_environment_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZEEBE_ADDRESS", "gw.internal:26500")
    async with create_insecure_channel() as channel:
        assert isinstance(channel, grpc.aio.Channel)


def test_camunda_cloud_channel_needs_a_cluster_id(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAMUNDA_CLUSTER_ID", "CAMUNDA_CLIENT_ID", "ZEEBE_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="CAMUNDA_CLUSTER_ID"):
        create_camunda_cloud_channel("id", "secret")
    with pytest.raises(ConfigurationError, match="CAMUNDA_CLIENT_ID"):
        create_camunda_cloud_channel(cluster_id="abc")
