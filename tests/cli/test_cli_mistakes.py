"""User mistakes print one line, ``zeebe-router: error: ...``, and exit 2 (usage) or 1."""

from __future__ import annotations

import subprocess

from tests.cli.cli_harness import HERE, free_port, run_cli


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("zeebe-router: error: "), lines[0]
    return lines[0]


def test_help_lists_every_command() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("run", "gateway", "deploy", "create-instance", "publish-message", "topology"):
        assert command in result.stdout


def test_target_without_colon_is_a_usage_error() -> None:
    result = run_cli("run", "apps.not_a_worker")
    assert result.returncode == 2
    assert "expected MODULE:ATTR" in error_line(result)


def test_missing_module_is_named() -> None:
    result = run_cli("run", "apps.no_such_module:worker")
    assert result.returncode == 2
    assert "cannot import module 'apps.no_such_module'" in error_line(result)


def test_missing_attribute_is_named_with_a_suggestion() -> None:
    result = run_cli("run", "apps.not_a_worker:answr")
    assert result.returncode == 2
    line = error_line(result)
    assert "has no attribute 'answr'" in line
    assert "did you mean 'answer'?" in line


def test_module_that_raises_shows_its_traceback_and_one_error_line() -> None:
    result = run_cli("run", "apps.broken_app:worker")
    assert result.returncode == 1
    assert "RuntimeError: the database URL is not configured" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("zeebe-router: error: importing 'apps.broken_app' failed")


def test_missing_file_to_deploy() -> None:
    result = run_cli("deploy", "no-such-process.bpmn")
    assert result.returncode == 2
    assert "no such file: no-such-process.bpmn" in error_line(result)


def test_invalid_json_variables() -> None:
    result = run_cli("create-instance", "order", "--variables", "{not json")
    assert result.returncode == 2
    assert "--variables must be a JSON object" in error_line(result)


def test_json_that_is_not_an_object() -> None:
    result = run_cli("publish-message", "paid", "--variables", "[1, 2]")
    assert result.returncode == 2
    assert "--variables must be a JSON object" in error_line(result)


def test_processes_must_be_positive() -> None:
    result = run_cli("run", "apps.not_a_worker:answer", "--processes", "0")
    assert result.returncode == 2
    assert "--processes must be at least 1" in error_line(result)


def test_apps_directory_exists() -> None:
    assert (HERE / "apps").is_dir()


def test_unreachable_gateway_fails_within_the_connect_timeout() -> None:
    closed = free_port()
    result = run_cli(
        "topology", "--address", f"127.0.0.1:{closed}", "--connect-timeout", "0.5", timeout=20
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"zeebe-router: error: cannot reach the gateway at 127.0.0.1:{closed} within 0.5 s "
        "(check --address / ZEEBE_ADDRESS and that the gateway is running)"
    )
