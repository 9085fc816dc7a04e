"""How flags become channel settings, and the arguments each worker process receives."""

from __future__ import annotations

import pytest

from zeebe_router.cli import build_parser, main
from zeebe_router.cli._connection import ConnectionFlags, open_channel
from zeebe_router.cli._errors import UsageError
from zeebe_router.cli._run import child_argv
from zeebe_router.cli._supervisor import Backoff
from zeebe_router.connection import ConnectionSettings


def flags_of(*argv: str) -> ConnectionFlags:
    return ConnectionFlags.from_args(build_parser().parse_args(["topology", *argv]))


def test_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEEBE_ADDRESS", "env-host:26500")
    monkeypatch.setenv("ZEEBE_CLIENT_ID", "env-client")
    monkeypatch.setenv("ZEEBE_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("ZEEBE_AUTHORIZATION_SERVER_URL", "https://env-auth/token")
    flags = flags_of("--address", "flag-host:443", "--client-id", "flag-client")

    settings = ConnectionSettings.from_env(**flags.overrides())

    assert settings.kind == "oauth"
    assert settings.address == "flag-host:443"
    assert settings.client_id == "flag-client"
    assert settings.client_secret == "env-secret"
    assert settings.authorization_server == "https://env-auth/token"


def test_tls_flags_ask_for_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZEEBE_ADDRESS", raising=False)
    monkeypatch.setenv("ZEEBE_INSECURE_CONNECTION", "true")
    settings = ConnectionSettings.from_env(**flags_of("--tls").overrides())
    assert settings.kind == "tls"


def test_given_lists_the_flags_as_typed() -> None:
    flags = flags_of("--address", "h:1", "--oauth-url", "https://auth", "--tls")
    assert flags.given() == ["--address", "--tls", "--oauth-url"]


def test_a_client_certificate_needs_its_key() -> None:
    with pytest.raises(UsageError, match="--client-cert and --client-key must be given together"):
        open_channel(flags_of("--tls", "--client-cert", "cert.pem"))


def test_each_worker_process_gets_the_run_arguments_without_the_supervisor_options() -> None:
    argv = [
        "apps.orders:router",
        "--processes",
        "3",
        "--http-port=9100",
        "--embedded",
        "--name",
        "orders",
    ]
    assert child_argv(argv, 2, "127.0.0.1:4000") == [
        "apps.orders:router",
        "--http-port",
        "9102",
        "--name",
        "orders",
        "--address",
        "127.0.0.1:4000",
        "--supervised",
    ]
    assert child_argv(["x:y", "--http-port", "0", "--processes=2"], 1, None) == [
        "x:y",
        "--http-port",
        "0",
        "--supervised",
    ]


def test_restart_backoff_doubles_up_to_its_maximum() -> None:
    backoff = Backoff(initial_s=0.5, maximum_s=4)
    assert [backoff.delay(n) for n in range(1, 6)] == [0.5, 1, 2, 4, 4]


def test_run_does_not_accept_abbreviated_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "x:y", "--proc", "2"]) == 2
    assert "unrecognized arguments: --proc 2" in capsys.readouterr().err
