"""The ``zeebe-router`` command line: run workers, a local gateway, and one-off client calls."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence

from zeebe_router.cli import _commands, _gateway, _run
from zeebe_router.cli._errors import EXIT_USAGE, CliError
from zeebe_router.cli._loader import ImportFailedError
from zeebe_router.errors import ConfigurationError, OAuthError

__all__ = ["build_parser", "main"]

PROG = "zeebe-router"

Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Job workers for Zeebe / Camunda 8, a local gateway, and client commands.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _run.add_parser(commands)
    _gateway.add_parser(commands)
    _commands.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    args.argv = arguments
    command: Command = args.func
    try:
        return command(args)
    except ImportFailedError as exc:
        cause = exc.__cause__
        if cause is not None:
            traceback.print_exception(type(cause), cause, cause.__traceback__)
        return _fail(str(exc), exc.exit_code)
    except CliError as exc:
        return _fail(str(exc), exc.exit_code)
    except (ConfigurationError, OAuthError) as exc:
        return _fail(str(exc), EXIT_USAGE if isinstance(exc, ConfigurationError) else 1)
    except KeyboardInterrupt:
        return 130


def _fail(message: str, code: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)
    return code


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zeebe-router")
    except PackageNotFoundError:
        return "(not installed)"
